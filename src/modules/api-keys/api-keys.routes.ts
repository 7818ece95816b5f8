import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '../../platform/fastify.ts';
import { assertGlobalAccess, principalOf } from '../../platform/auth.ts';
import { Envelope, errorResponses, ok, RowId } from '../../platform/http.ts';
import { ApiKeyView, CreateApiKeyBody, CreatedApiKey } from './api-keys.schema.ts';

/** Key management: only the bootstrap key or a global key may create, list or revoke keys. */
export const apiKeysRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { apiKeys } = app.services;
  const tags = ['api-keys'];

  app.post('/api/v2/keys', {
    schema: { tags, body: CreateApiKeyBody, response: { 201: Envelope(CreatedApiKey), ...errorResponses } },
    handler: async (request, reply) => {
      assertGlobalAccess(principalOf(request), 'write');
      const created = await apiKeys.create(request.body);
      return reply.status(201).send(ok(created, 'API key created; store it now, it is not shown again'));
    },
  });

  app.get('/api/v2/keys', {
    schema: { tags, response: { 200: Envelope(Type.Array(ApiKeyView)), ...errorResponses } },
    handler: async (request) => {
      assertGlobalAccess(principalOf(request), 'read');
      return ok(await apiKeys.list());
    },
  });

  app.delete('/api/v2/keys/:key_id', {
    schema: { tags, params: Type.Object({ key_id: RowId }), response: { 200: Envelope(ApiKeyView), ...errorResponses } },
    handler: async (request) => {
      assertGlobalAccess(principalOf(request), 'write');
      return ok(await apiKeys.revoke(request.params.key_id), 'API key revoked');
    },
  });
};
