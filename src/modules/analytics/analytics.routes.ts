import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '../../platform/fastify.ts';
import { isGlobal, principalOf, requestedBotId, resolveBotId } from '../../platform/auth.ts';
import { errorResponses, TelegramId } from '../../platform/http.ts';
import { assertTimeZone, dayRange, parseDay, type DayCounts } from './analytics.service.ts';
import {
  AnalyticsDay,
  AnalyticsQuery,
  BotListItem,
  BotPaymentsPage,
  BotPaymentsQuery,
  BotSubscriptionsPage,
  BotSubscriptionsQuery,
  BotSummary,
  BotUsersPage,
  BotUsersQuery,
  DaysQuery,
} from './analytics.schema.ts';

/** Seed 002's dashboard routes and seed 004's admin stats and charts. Another admin's bot is 403. */
export const analyticsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { analytics, bots, users, payments, subscriptions } = app.services;
  const tags = ['analytics'];

  app.get('/api/bots', {
    schema: { tags, response: { 200: Type.Array(BotListItem), ...errorResponses } },
    handler: async (request) => {
      const principal = principalOf(request);
      let ids: number[] | null = [];
      if (isGlobal(principal)) ids = null;
      else if (principal.kind === 'admin') ids = principal.botIds;
      else if (principal.kind === 'api_key' && principal.botId !== null) ids = [principal.botId];
      if (ids !== null && ids.length === 0) return [];
      const list = await bots.list(ids);
      return Promise.all(
        list.map(async (bot) => ({
          uid: bot.bot_id,
          bot_id: bot.bot_id,
          username: bot.username,
          admin_id: bot.admin_ids[0] ?? null,
          admin_ids: bot.admin_ids,
          ref_percent: bot.ref_percent,
          balance: (await analytics.totals(bot.bot_id)).revenue,
          status: bot.status,
          meta: bot.meta,
        })),
      );
    },
  });

  app.get('/api/analytics', {
    schema: { tags, querystring: AnalyticsQuery, response: { 200: Type.Array(AnalyticsDay), ...errorResponses } },
    handler: async (request) => {
      const { bot_id, start_date, end_date, tz } = request.query;
      resolveBotId(principalOf(request), bot_id);
      return analytics.daily(bot_id, start_date, end_date, tz);
    },
  });

  app.get('/api/users', {
    schema: { tags, querystring: BotUsersQuery, response: { 200: BotUsersPage, ...errorResponses } },
    handler: async (request) => {
      const { bot_id, page, limit } = request.query;
      resolveBotId(principalOf(request), bot_id);
      const [items, totals] = await Promise.all([users.repo.page(bot_id, limit, (page - 1) * limit), analytics.totals(bot_id)]);
      return {
        users: items.map((u) => ({ uid: u.id, user_id: u.telegramId, username: u.username, reg_date: u.createdAt.toISOString(), ref_percent: u.refPercent, meta: u.meta })),
        total: totals.registrations,
        page,
        limit,
      };
    },
  });

  app.get('/api/payments', {
    schema: { tags, querystring: BotPaymentsQuery, response: { 200: BotPaymentsPage, ...errorResponses } },
    handler: async (request) => {
      const { bot_id, start_date, end_date, tz, page, limit } = request.query;
      resolveBotId(principalOf(request), bot_id);
      const timeZone = assertTimeZone(tz ?? analytics.defaultTimeZone);
      if (start_date) parseDay(start_date, 'start_date');
      if (end_date) parseDay(end_date, 'end_date');
      if (start_date && end_date) dayRange(start_date, end_date);
      const { items, total } = await payments.list({ botId: bot_id, fromDay: start_date, toDay: end_date, timeZone }, limit, (page - 1) * limit);
      return {
        payments: items.map((p) => ({ bill_id: p.bill_id, user_id: p.telegram_id, amount: p.amount, currency: p.currency, status: p.status, provider: p.provider, date: p.date, meta: p.meta })),
        total: total ?? 0,
        page,
        limit,
      };
    },
  });

  app.get('/api/subscriptions', {
    schema: { tags, querystring: BotSubscriptionsQuery, response: { 200: BotSubscriptionsPage, ...errorResponses } },
    handler: async (request) => {
      const { bot_id, status, page, limit } = request.query;
      resolveBotId(principalOf(request), bot_id);
      const { items, total } = await subscriptions.list(bot_id, status, limit, (page - 1) * limit);
      return { subscriptions: items, total, page, limit };
    },
  });

  app.get('/api/bots/:bot_id/summary', {
    schema: { tags, params: Type.Object({ bot_id: TelegramId }), response: { 200: BotSummary, ...errorResponses } },
    handler: async (request) => {
      const { bot_id } = request.params;
      resolveBotId(principalOf(request), bot_id);
      return analytics.summary(bot_id, await subscriptions.activeUsers(bot_id));
    },
  });

  // Seed 004's admin dashboard: the admin's bot (or bot_id / X-Bot-Id when they have several).
  const adminTags = ['admin'];
  const adminBot = (request: Parameters<typeof requestedBotId>[0]) => resolveBotId(principalOf(request), requestedBotId(request));

  app.get('/api/v1/admin/stats', {
    schema: {
      tags: adminTags,
      querystring: DaysQuery,
      response: {
        200: Type.Object({
          days: Type.Integer(),
          users: Type.Object({ total: Type.Integer(), new: Type.Integer() }),
          generations: Type.Object({ total: Type.Integer(), credits: Type.Integer() }),
          revenue: Type.Object({ stars: Type.Integer(), total_stars: Type.Integer() }),
          payments: Type.Object({ count: Type.Integer(), refunds: Type.Integer() }),
        }),
        ...errorResponses,
      },
    },
    handler: async (request) => {
      const botId = adminBot(request);
      const { days } = request.query;
      const [all, period] = await Promise.all([analytics.totals(botId), analytics.totals(botId, new Date(Date.now() - days * 86_400_000))]);
      return {
        days,
        users: { total: all.registrations, new: period.registrations },
        generations: { total: period.generations, credits: period.generation_credits },
        revenue: { stars: period.revenue, total_stars: all.revenue },
        payments: { count: period.payments, refunds: period.refunds },
      };
    },
  });

  app.get('/api/v1/admin/health', {
    schema: { tags: adminTags, response: { 200: Type.Object({ status: Type.Literal('ok'), admin_id: Type.Union([TelegramId, Type.Null()]) }), ...errorResponses } },
    handler: async (request) => {
      const principal = principalOf(request);
      return { status: 'ok' as const, admin_id: principal.kind === 'admin' ? principal.telegramId : null };
    },
  });

  const chart = <T extends Record<string, unknown>>(path: string, item: Parameters<typeof Type.Object>[0], pick: (day: DayCounts, extra: Map<string, number>) => T, extra?: (botId: number, start: string, end: string, tz: string) => Promise<Map<string, number>>) =>
    app.get(`/api/v1/admin/charts/${path}`, {
      schema: { tags: adminTags, querystring: DaysQuery, response: { 200: Type.Array(Type.Object({ date: Type.String(), ...item })), ...errorResponses } },
      handler: async (request) => {
        const botId = adminBot(request);
        const tz = request.query.tz ?? analytics.defaultTimeZone;
        const series = await analytics.lastDays(botId, request.query.days, tz);
        const more = extra ? await extra(botId, series[0].date, series[series.length - 1].date, tz) : new Map<string, number>();
        return series.map((day: DayCounts) => ({ date: day.date, ...pick(day, more) }));
      },
    });

  chart('users-daily', { count: Type.Integer() }, (d) => ({ count: d.registrations }));
  chart('revenue-daily', { stars: Type.Integer(), payments: Type.Integer() }, (d) => ({ stars: d.revenue, payments: d.payments }));
  chart(
    'generations-daily',
    { total: Type.Integer(), completed: Type.Integer(), failed: Type.Integer() },
    (d, failedByDay) => {
      const failed = failedByDay.get(d.date) ?? 0;
      return { total: d.generations, completed: Math.max(0, d.generations - failed), failed };
    },
    (botId, start, end, tz) => analytics.generationRefundsDaily(botId, start, end, tz),
  );

  app.get('/api/v1/admin/charts/models-breakdown', {
    schema: {
      tags: adminTags,
      querystring: DaysQuery,
      response: { 200: Type.Array(Type.Object({ model_id: Type.String(), generations: Type.Integer(), credits: Type.Integer() })), ...errorResponses },
    },
    handler: async (request) => analytics.modelsBreakdown(adminBot(request), request.query.days),
  });

  app.get('/api/v1/admin/payments/daily', {
    schema: {
      tags: adminTags,
      querystring: DaysQuery,
      response: { 200: Type.Array(Type.Object({ date: Type.String(), count: Type.Integer(), stars: Type.Integer(), refunds: Type.Integer() })), ...errorResponses },
    },
    handler: async (request) => {
      const series = await analytics.lastDays(adminBot(request), request.query.days, request.query.tz);
      return series.map((d: DayCounts) => ({ date: d.date, count: d.payments, stars: d.revenue, refunds: d.refunds }));
    },
  });
};
