import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '../../platform/fastify.ts';
import { principalOf, requestedBotId, resolveBotId } from '../../platform/auth.ts';
import { forbidden } from '../../platform/errors.ts';
import { errorResponses } from '../../platform/http.ts';
import { ownUserBot } from '../users/users.routes.ts';
import { ConfirmStarsBody, CreateInvoiceBody, InvoiceView, PaymentResultView, PaymentView, RefundBody, StarsOptionsView } from './payments.schema.ts';

/** Seed 004's Stars routes, plus invoice creation and admin refunds. */
export const paymentsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { payments } = app.services;
  const tags = ['payments'];

  app.get('/api/v1/payments/stars/options', {
    schema: { tags, response: { 200: StarsOptionsView, ...errorResponses } },
    config: { module: 'payments' },
    handler: async () => payments.options(),
  });

  app.post('/api/v1/payments/stars/invoice', {
    schema: { tags, body: CreateInvoiceBody, response: { 200: InvoiceView, ...errorResponses } },
    config: { module: 'payments' },
    handler: async (request) => {
      const botId = ownUserBot(request, request.body.telegram_id, 'write', request.body.bot_id);
      return payments.createInvoice(botId, request.body.telegram_id, request.body.option_id);
    },
  });

  app.post('/api/v1/payments/stars/confirm', {
    schema: {
      tags,
      description: 'Credits a successful Stars payment once per telegram_payment_charge_id; a repeat answers the original result (replayed: true). Server-to-server: the bot\'s API key, not a Mini App user.',
      body: ConfirmStarsBody,
      response: { 200: PaymentResultView, ...errorResponses, 409: errorResponses[400], 422: errorResponses[400] },
    },
    handler: async (request) => {
      const principal = principalOf(request);
      // A Mini App client could invent a charge id; only the bot, which Telegram told, may confirm.
      if (principal.kind === 'mini_app') throw forbidden('Payments are confirmed by the bot, not the Mini App');
      const { bot_id, ...report } = request.body;
      const botId = resolveBotId(principal, bot_id ?? requestedBotId(request), 'write');
      return payments.confirm(botId, report);
    },
  });

  app.post('/api/v1/admin/payments/:payment_id/refund', {
    schema: {
      tags: ['admin'],
      params: Type.Object({ payment_id: Type.Integer({ minimum: 1 }) }),
      querystring: Type.Object({ bot_id: Type.Optional(Type.Integer()) }),
      body: RefundBody,
      response: { 200: PaymentView, ...errorResponses, 402: errorResponses[400], 409: errorResponses[400], 422: errorResponses[400] },
    },
    handler: async (request) => {
      const principal = principalOf(request);
      const botId = resolveBotId(principal, requestedBotId(request), 'write');
      const actor = principal.kind === 'admin' ? principal.telegramId : null;
      return payments.refund(botId, request.params.payment_id, { telegramId: actor, reason: request.body.reason ?? null });
    },
  });
};
