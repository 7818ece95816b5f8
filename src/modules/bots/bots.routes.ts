import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '../../platform/fastify.ts';
import { assertGlobalAccess, isGlobal, principalOf } from '../../platform/auth.ts';
import { forbidden } from '../../platform/errors.ts';
import { Envelope, TelegramId, errorResponses, ok } from '../../platform/http.ts';
import { BotView, RegisterBotBody, UpdateBotBody } from './bots.schema.ts';

export const botsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { bots } = app.services;
  const tags = ['bots'];

  app.post('/api/v2/bots', {
    schema: { tags, body: RegisterBotBody, response: { 201: Envelope(BotView), ...errorResponses } },
    handler: async (request, reply) => {
      assertGlobalAccess(principalOf(request), 'write');
      return reply.status(201).send(ok(await bots.register(request.body), 'Bot registered'));
    },
  });

  app.get('/api/v2/bots', {
    schema: { tags, response: { 200: Envelope(Type.Array(BotView)), ...errorResponses } },
    handler: async (request) => {
      const principal = principalOf(request);
      if (isGlobal(principal)) return ok(await bots.list());
      const botIds = principal.kind === 'api_key' && principal.botId !== null ? [principal.botId] : [];
      return ok(await bots.list(botIds));
    },
  });

  app.get('/api/v2/bots/:bot_id', {
    schema: { tags, params: Type.Object({ bot_id: TelegramId }), response: { 200: Envelope(BotView), ...errorResponses } },
    handler: async (request) => {
      const principal = principalOf(request);
      const { bot_id } = request.params;
      if (!isGlobal(principal) && !(principal.kind === 'api_key' && principal.botId === bot_id)) {
        throw forbidden(`This API key has no access to bot ${bot_id}`);
      }
      return ok(await bots.get(bot_id));
    },
  });

  app.patch('/api/v2/bots/:bot_id', {
    schema: { tags, params: Type.Object({ bot_id: TelegramId }), body: UpdateBotBody, response: { 200: Envelope(BotView), ...errorResponses } },
    handler: async (request) => {
      assertGlobalAccess(principalOf(request), 'write');
      return ok(await bots.update(request.params.bot_id, request.body), 'Bot updated');
    },
  });
};
