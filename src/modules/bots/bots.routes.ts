import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '../../platform/fastify.ts';
import { assertBotAccess, assertGlobalAccess, isGlobal, principalOf, type Principal } from '../../platform/auth.ts';
import { forbidden } from '../../platform/errors.ts';
import { Envelope, TelegramId, errorResponses, ok } from '../../platform/http.ts';
import { BotView, RegisterBotBody, ScheduledDeletionBody, UpdateBotBody } from './bots.schema.ts';

/** The bots a non-global caller may see: a bot key's bot, an owner admin's bots. */
function visibleBotIds(principal: Principal): number[] {
  if (principal.kind === 'admin') return principal.botIds;
  return principal.kind === 'api_key' && principal.botId !== null ? [principal.botId] : [];
}

export const botsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { bots } = app.services;
  const tags = ['bots'];

  app.post('/api/v2/bots', {
    schema: {
      tags,
      description:
        'Register (or re-key) a bot. Telegram is asked who the bot is (getMe): a token it refuses answers 422 with its reason; ' +
        'while Telegram is unreachable the bot is stored with `verified: false` and checked again in the background. ' +
        'The bot role starts it within seconds.',
      body: RegisterBotBody,
      response: { 201: Envelope(BotView), ...errorResponses, 422: errorResponses[400] },
    },
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
      return ok(await bots.list(visibleBotIds(principal)));
    },
  });

  app.get('/api/v2/bots/:bot_id', {
    schema: { tags, params: Type.Object({ bot_id: TelegramId }), response: { 200: Envelope(BotView), ...errorResponses } },
    handler: async (request) => {
      const principal = principalOf(request);
      const { bot_id } = request.params;
      if (!isGlobal(principal) && !visibleBotIds(principal).includes(bot_id)) throw forbidden(`No access to bot ${bot_id}`);
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

  app.post('/api/v2/bots/:bot_id/scheduled-deletions', {
    schema: {
      tags,
      description: "Delete one of the bot's messages later (auto-deleted welcomes); a durable job, kept across restarts.",
      params: Type.Object({ bot_id: TelegramId }),
      body: ScheduledDeletionBody,
      response: { 202: Envelope(Type.Null()), ...errorResponses },
    },
    handler: async (request, reply) => {
      const { bot_id } = request.params;
      assertBotAccess(principalOf(request), bot_id, 'write');
      await bots.get(bot_id);
      const { chat_id, message_id, delete_after_seconds } = request.body;
      await bots.deleteMessageLater(bot_id, chat_id, message_id, delete_after_seconds);
      return reply.status(202).send(ok(null, 'Deletion scheduled'));
    },
  });
};
