import type { FastifyPluginAsyncTypebox } from '../../platform/fastify.ts';
import { assertGlobalAccess, principalOf } from '../../platform/auth.ts';
import { notFound } from '../../platform/errors.ts';
import { Envelope, errorResponses, ok } from '../../platform/http.ts';
import { KnownUserView, MemberParams, SeenUserBody, UsernameParams } from './members.schema.ts';

/**
 * The username table for bots that run in another process (they resolve `/mute @name` here).
 * It spans every tenant's users, so only global keys may use it.
 */
export const membersRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { members } = app.services;
  const tags = ['members'];

  app.put('/api/v2/members/:user_id', {
    schema: { tags, description: 'Remember a user a bot saw (id, @username, name).', params: MemberParams, body: SeenUserBody, response: { 200: Envelope(KnownUserView), ...errorResponses } },
    handler: async (request) => {
      assertGlobalAccess(principalOf(request), 'write');
      return ok(await members.remember({ id: request.params.user_id, ...request.body }));
    },
  });

  app.get('/api/v2/members/:user_id', {
    schema: { tags, params: MemberParams, response: { 200: Envelope(KnownUserView), ...errorResponses } },
    handler: async (request) => {
      assertGlobalAccess(principalOf(request), 'read');
      const known = await members.get(request.params.user_id);
      if (!known) throw notFound('member', request.params.user_id);
      return ok(known);
    },
  });

  app.get('/api/v2/members/by-username/:username', {
    schema: { tags, params: UsernameParams, response: { 200: Envelope(KnownUserView), ...errorResponses } },
    handler: async (request) => {
      assertGlobalAccess(principalOf(request), 'read');
      const known = await members.byUsername(request.params.username);
      if (!known) throw notFound('member', `@${request.params.username.replace(/^@/, '')}`);
      return ok(known);
    },
  });
};
