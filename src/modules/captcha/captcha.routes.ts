import type { FastifyPluginAsyncTypebox } from '../../platform/fastify.ts';
import { notFound } from '../../platform/errors.ts';
import { Envelope, errorResponses, ok } from '../../platform/http.ts';
import { groupFor } from '../groups/groups.access.ts';
import { GroupParams } from '../groups/groups.schema.ts';
import { ChallengeBody, ChallengeParams, ChallengeView, SolveResult } from './captcha.schema.ts';

/** New-member captcha for bots that run in another process; the timeout job runs here. */
export const captchaRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { captcha } = app.services;
  const tags = ['captcha'];

  app.post('/api/v2/groups/:group_id/captcha', {
    schema: {
      tags,
      description: 'Start a challenge shown in `message_id`: mutes the newcomer and kicks them after `timeout_seconds` unless solved.',
      params: GroupParams,
      body: ChallengeBody,
      response: { 201: Envelope(ChallengeView), ...errorResponses },
    },
    handler: async (request, reply) => {
      await groupFor(request, 'write');
      const { user_id, message_id, timeout_seconds } = request.body;
      return reply.status(201).send(ok(await captcha.challenge(request.params.group_id, user_id, message_id, timeout_seconds), 'Challenge started'));
    },
  });

  app.get('/api/v2/groups/:group_id/captcha/:user_id', {
    schema: { tags, params: ChallengeParams, response: { 200: Envelope(ChallengeView), ...errorResponses } },
    handler: async (request) => {
      await groupFor(request, 'read');
      const challenge = await captcha.get(request.params.group_id, request.params.user_id);
      if (!challenge) throw notFound('challenge', request.params.user_id);
      return ok(challenge);
    },
  });

  app.post('/api/v2/groups/:group_id/captcha/:user_id/solve', {
    schema: {
      tags,
      description: 'The newcomer pressed the button: lifts the mute. `solved` is false when no challenge was pending (already solved, or run out).',
      params: ChallengeParams,
      response: { 200: Envelope(SolveResult), ...errorResponses },
    },
    handler: async (request) => {
      await groupFor(request, 'write');
      return ok({ solved: await captcha.solve(request.params.group_id, request.params.user_id) });
    },
  });
};
