import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '../../platform/fastify.ts';
import { principalOf, type Access } from '../../platform/auth.ts';
import { AppError, forbidden } from '../../platform/errors.ts';
import { Envelope, errorResponses, ok } from '../../platform/http.ts';
import { botFor } from '../bots/bots.access.ts';
import { groupFor } from '../groups/groups.access.ts';
import { ChatInfo, ChatParams, ChatQuery, SendBody, SentMessage } from './integrations.schema.ts';

/**
 * The bot a chat is reached through. Bot and global keys choose the bot (or leave it to the one
 * registered); a group-scoped key may only reach its own groups, through each group's bot.
 */
async function botForChat(request: FastifyRequest, need: Access, chatId: number | string, requested: number | undefined): Promise<number> {
  const principal = principalOf(request);
  if (principal.kind === 'api_key' && principal.scope === 'groups') {
    if (typeof chatId !== 'number') throw forbidden('A group-scoped key must address its groups by id');
    const group = await groupFor(request, need, chatId);
    if (group.bot_id === null) throw new AppError('GROUP_HAS_NO_BOT', { message: `Group ${chatId} has no bot`, status: 409 });
    if (requested !== undefined && requested !== group.bot_id) throw forbidden(`Group ${chatId} is served by bot ${group.bot_id}`);
    return group.bot_id;
  }
  return (await botFor(request, need, requested)).bot_id;
}

export const integrationsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { integrations } = app.services;
  const tags = ['integrations'];

  app.post('/api/send', {
    schema: {
      tags,
      description: 'Sends a message through a registered bot (`client` or `bot_id`; optional when only one bot exists).',
      body: SendBody,
      response: { 200: Envelope(SentMessage), ...errorResponses },
    },
    config: { module: 'api_send' },
    handler: async (request) => {
      const { body } = request;
      const botId = await botForChat(request, 'write', body.chat_id, body.bot_id ?? body.client);
      const sent = await integrations.send(botId, body);
      return ok({ status: 'success' as const, ...sent }, 'Message sent');
    },
  });

  app.get('/api/chat/:chat_id', {
    schema: { tags, description: 'Chat information through the bot (Telegram getChat).', params: ChatParams, querystring: ChatQuery, response: { 200: Envelope(ChatInfo), ...errorResponses } },
    handler: async (request) => {
      const { chat_id } = request.params;
      const botId = await botForChat(request, 'read', chat_id, request.query.bot_id ?? request.query.client);
      return ok(await integrations.chat(botId, chat_id));
    },
  });
};
