import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '../../platform/fastify.ts';
import { principalOf, requestedBotId, resolveBotId } from '../../platform/auth.ts';
import { AppError } from '../../platform/errors.ts';
import { errorResponses, TelegramId } from '../../platform/http.ts';
import { SubscriptionView } from '../analytics/analytics.schema.ts';
import { PaymentView } from '../payments/payments.schema.ts';
import { UserView } from '../users/users.schema.ts';
import type { FastifyRequest } from 'fastify';

const PositiveTelegramId = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });
const UserParams = Type.Object({ telegram_id: PositiveTelegramId });
const BotQuery = { bot_id: Type.Optional(TelegramId) };
const OffsetLimit = { offset: Type.Integer({ minimum: 0, maximum: 10_000_000, default: 0 }), limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }) };
const SmallLimit = Type.Object({ ...BotQuery, limit: Type.Integer({ minimum: 1, maximum: 200, default: 10 }) });
const USER_FILTERS = ['all', 'banned', 'active_7d', 'active_30d', 'paying', 'with_balance', 'referred', 'new_7d'] as const;

const LedgerEntryView = Type.Object({
  id: Type.Integer(),
  amount: Type.Integer(),
  type: Type.String(),
  balance_after: Type.Integer(),
  reason: Type.Union([Type.String(), Type.Null()]),
  actor_id: Type.Union([TelegramId, Type.Null()]),
  meta: Type.Record(Type.String(), Type.Any()),
  created_at: Type.String(),
});

/** Seed 004's admin API: users, credits, payments, subscriptions, settings of the admin's bot. */
export const adminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { users, ledger, payments, settings, subscriptions } = app.services;
  const tags = ['admin'];
  const botOf = (request: FastifyRequest, need: 'read' | 'write' = 'read') => resolveBotId(principalOf(request), requestedBotId(request), need);
  const actorOf = (request: FastifyRequest) => {
    const principal = principalOf(request);
    return principal.kind === 'admin' ? principal.telegramId : null;
  };
  const entryView = (e: Awaited<ReturnType<typeof ledger.history>>[number]) => ({
    id: e.id,
    amount: e.amount,
    type: e.type,
    balance_after: e.balanceAfter,
    reason: e.reason,
    actor_id: e.actorId,
    meta: e.meta,
    created_at: e.createdAt.toISOString(),
  });

  app.get('/api/v1/admin/users', {
    schema: {
      tags,
      description: 'Search by telegram id, referral code or username fragment; empty query lists everyone, newest first.',
      querystring: Type.Object({ ...BotQuery, query: Type.String({ maxLength: 100, default: '' }), ...OffsetLimit }),
      response: { 200: Type.Object({ items: Type.Array(UserView), total: Type.Integer(), offset: Type.Integer(), limit: Type.Integer() }), ...errorResponses },
    },
    handler: async (request) => {
      const { query, offset, limit } = request.query;
      return { ...(await users.search(botOf(request), query, limit, offset)), offset, limit };
    },
  });

  app.get('/api/v1/admin/users/count', {
    schema: {
      tags,
      querystring: Type.Object({ ...BotQuery, filter_type: Type.Enum([...USER_FILTERS], { default: 'all' }) }),
      response: { 200: Type.Object({ filter_type: Type.String(), count: Type.Integer() }), ...errorResponses },
    },
    handler: async (request) => ({ filter_type: request.query.filter_type, count: await users.count(botOf(request), request.query.filter_type) }),
  });

  app.get('/api/v1/admin/users/:telegram_id', {
    schema: {
      tags,
      params: UserParams,
      querystring: Type.Object(BotQuery),
      response: {
        200: Type.Object({
          user: UserView,
          payments: Type.Object({ count: Type.Integer(), stars: Type.Integer() }),
          ledger_sum: Type.Integer(),
          recent_ledger: Type.Array(LedgerEntryView),
        }),
        ...errorResponses,
      },
    },
    handler: async (request) => {
      const botId = botOf(request);
      const user = await users.require(botId, request.params.telegram_id);
      const [view, totals, sum, recent] = await Promise.all([users.view(user), payments.totalsOf(user.id), ledger.ledgerSum(user.id), ledger.history(user.id, 20)]);
      return { user: view, payments: totals, ledger_sum: sum, recent_ledger: recent.map(entryView) };
    },
  });

  for (const banned of [true, false]) {
    app.post(`/api/v1/admin/users/:telegram_id/${banned ? 'ban' : 'unban'}`, {
      schema: { tags, params: UserParams, querystring: Type.Object(BotQuery), body: Type.Object({ reason: Type.Optional(Type.String({ maxLength: 500 })) }), response: { 200: UserView, ...errorResponses } },
      // The body is optional: a bare POST bans without a reason.
      preValidation: async (request) => {
        request.body ??= {};
      },
      handler: async (request) => users.setBanned(botOf(request, 'write'), request.params.telegram_id, banned, request.body.reason ?? null),
    });
  }

  app.get('/api/v1/admin/users/:telegram_id/payments', {
    schema: { tags, params: UserParams, querystring: SmallLimit, response: { 200: Type.Object({ items: Type.Array(PaymentView) }), ...errorResponses } },
    handler: async (request) => {
      const botId = botOf(request);
      const user = await users.require(botId, request.params.telegram_id);
      return { items: (await payments.list({ botId, userId: user.id }, request.query.limit, 0, false)).items };
    },
  });

  app.get('/api/v1/admin/users/:telegram_id/generations', {
    schema: {
      tags,
      description: 'Credits the user spent on generations (ledger entries of type generation).',
      params: UserParams,
      querystring: SmallLimit,
      response: { 200: Type.Object({ items: Type.Array(LedgerEntryView) }), ...errorResponses },
    },
    handler: async (request) => {
      const user = await users.require(botOf(request), request.params.telegram_id);
      return { items: (await ledger.history(user.id, request.query.limit, 0, 'generation')).map(entryView) };
    },
  });

  app.post('/api/v1/admin/credits', {
    schema: {
      tags,
      description: 'Adjusts a balance (positive adds, negative takes) as an admin_adjustment ledger entry carrying the admin and the reason.',
      querystring: Type.Object(BotQuery),
      body: Type.Object(
        {
          telegram_id: PositiveTelegramId,
          amount: Type.Integer({ minimum: -10_000_000, maximum: 10_000_000, description: 'non-zero' }),
          reason: Type.String({ minLength: 1, maxLength: 500 }),
          idempotency_key: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
        },
        { additionalProperties: false },
      ),
      response: { 200: Type.Object({ telegram_id: TelegramId, balance: Type.Integer(), entry: LedgerEntryView, replayed: Type.Boolean() }), ...errorResponses, 402: errorResponses[400] },
    },
    handler: async (request) => {
      const botId = botOf(request, 'write');
      const { telegram_id, amount, reason, idempotency_key } = request.body;
      const user = await users.require(botId, telegram_id);
      const posted = await ledger.post({ userId: user.id, amount, type: 'admin_adjustment', reason, actorId: actorOf(request), idempotencyKey: idempotency_key ? `admin:${idempotency_key}` : null });
      return { telegram_id, balance: posted.balance, entry: entryView(posted.entry), replayed: posted.replayed };
    },
  });

  app.get('/api/v1/admin/payments', {
    schema: {
      tags,
      querystring: Type.Object({ ...BotQuery, ...OffsetLimit, status: Type.Optional(Type.Enum(['PAID', 'REFUNDED'])) }),
      response: { 200: Type.Object({ items: Type.Array(PaymentView), total: Type.Integer(), offset: Type.Integer(), limit: Type.Integer() }), ...errorResponses },
    },
    handler: async (request) => {
      const { offset, limit, status } = request.query;
      const { items, total } = await payments.list({ botId: botOf(request), status }, limit, offset);
      return { items, total: total ?? 0, offset, limit };
    },
  });

  app.get('/api/v1/admin/settings', {
    schema: { tags, querystring: Type.Object(BotQuery), response: { 200: Type.Record(Type.String(), Type.Any()), ...errorResponses } },
    handler: async (request) => settings.all(botOf(request)),
  });

  app.patch('/api/v1/admin/settings', {
    schema: {
      tags,
      description: 'Sets each key given; null removes a key.',
      querystring: Type.Object(BotQuery),
      body: Type.Record(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,100}$' }), Type.Any(), { minProperties: 1, maxProperties: 100 }),
      response: { 200: Type.Record(Type.String(), Type.Any()), ...errorResponses },
    },
    handler: async (request) => {
      const body = request.body as Record<string, unknown>;
      for (const key of Object.keys(body)) {
        if (!/^[A-Za-z0-9_.-]{1,100}$/.test(key)) throw new AppError('VALIDATION_FAILED', { message: `Invalid setting key "${key}"`, status: 400 });
      }
      return settings.patch(botOf(request, 'write'), body, actorOf(request));
    },
  });

  app.post('/api/v1/admin/subscriptions', {
    schema: {
      tags,
      querystring: Type.Object(BotQuery),
      body: Type.Object(
        {
          telegram_id: PositiveTelegramId,
          sub_uid: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
          is_trial: Type.Optional(Type.Boolean()),
          stop_date: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()])),
          keys: Type.Optional(Type.Array(Type.String({ maxLength: 1000 }), { maxItems: 100 })),
          meta: Type.Optional(Type.Record(Type.String(), Type.Any())),
        },
        { additionalProperties: false },
      ),
      response: { 201: SubscriptionView, ...errorResponses, 409: errorResponses[400] },
    },
    handler: async (request, reply) => reply.status(201).send(await subscriptions.start(botOf(request, 'write'), request.body)),
  });

  const SubParams = Type.Object({ uid: Type.Integer({ minimum: 1 }) });
  app.post('/api/v1/admin/subscriptions/:uid/renew', {
    schema: { tags, params: SubParams, querystring: Type.Object(BotQuery), body: Type.Object({ stop_date: Type.String({ format: 'date-time' }) }), response: { 200: SubscriptionView, ...errorResponses } },
    handler: async (request) => subscriptions.renew(botOf(request, 'write'), request.params.uid, request.body.stop_date),
  });
  app.post('/api/v1/admin/subscriptions/:uid/keys', {
    schema: { tags, params: SubParams, querystring: Type.Object(BotQuery), body: Type.Object({ keys: Type.Array(Type.String({ maxLength: 1000 }), { minItems: 1, maxItems: 100 }) }), response: { 200: SubscriptionView, ...errorResponses } },
    handler: async (request) => subscriptions.addKeys(botOf(request, 'write'), request.params.uid, request.body.keys),
  });
  app.post('/api/v1/admin/subscriptions/:uid/cancel', {
    schema: { tags, params: SubParams, querystring: Type.Object(BotQuery), response: { 200: SubscriptionView, ...errorResponses } },
    handler: async (request) => subscriptions.cancel(botOf(request, 'write'), request.params.uid),
  });
};
