import { Type } from 'typebox';
import { webhookCallback } from 'grammy';
import type { FastifyPluginAsyncTypebox } from '../platform/fastify.ts';
import { AppError } from '../platform/errors.ts';
import { TelegramId } from '../platform/http.ts';
import type { BotRunner } from './runner.ts';

/**
 * `POST /telegram/:bot_id`: Telegram's webhook. The `X-Telegram-Bot-Api-Secret-Token` header
 * must be the bot's secret (checked in constant time); redelivered update ids are dropped by
 * the bot itself.
 */
export const botWebhookRoutes =
  (runner: BotRunner): FastifyPluginAsyncTypebox =>
  async (app) => {
    type Handler = (request: unknown, reply: unknown) => Promise<unknown>;
    const handlers = new Map<number, Handler>();
    app.post('/telegram/:bot_id', {
      schema: {
        hide: true,
        params: Type.Object({ bot_id: TelegramId }),
        body: Type.Object({ update_id: Type.Integer({ minimum: 0 }) }, { additionalProperties: true }),
      },
      handler: async (request, reply) => {
        const { bot_id } = request.params;
        const bot = runner.webhookBot(bot_id, request.headers['x-telegram-bot-api-secret-token'] as string | undefined);
        if (bot === null) throw new AppError('BOT_NOT_RUNNING', { message: `Bot ${bot_id} is not running here`, status: 404 });
        if (bot === 'forbidden') throw new AppError('WEBHOOK_SECRET_MISMATCH', { message: 'Wrong secret token', status: 401 });
        let handle = handlers.get(bot_id);
        if (!handle) {
          handle = webhookCallback(bot, 'fastify', { secretToken: runner.secretFor(bot_id) }) as Handler;
          handlers.set(bot_id, handle);
        }
        await handle(request, reply);
        return reply;
      },
    });
  };
