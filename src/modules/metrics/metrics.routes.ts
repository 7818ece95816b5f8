import { Type } from 'typebox';
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { instrumentHttp } from '../../platform/metrics.ts';
import type { FastifyPluginAsyncTypebox } from '../../platform/fastify.ts';
import { assertGlobalAccess, bearerToken, principalOf, secretEquals, unauthorized } from '../../platform/auth.ts';
import { Envelope, errorResponses, ok } from '../../platform/http.ts';
import { BotFilterQuery, BotMetrics, ErrorMetrics, ErrorsQuery, Stats, SystemMetrics, UserMetrics } from './metrics.schema.ts';

/**
 * Seed 003's monitoring routes. They describe the whole deployment (every bot, the machine),
 * so they need a global key; read access is enough.
 */
export const metricsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { metrics } = app.services;
  const tags = ['metrics'];
  app.addHook('preHandler', async (request) => assertGlobalAccess(principalOf(request), 'read'));
  const botIds = (botId: number | undefined) => (botId === undefined ? undefined : [botId]);

  app.get('/api/stats', {
    schema: { tags, description: 'Service statistics: uptime, version, bots, groups, traffic.', response: { 200: Envelope(Stats), ...errorResponses } },
    handler: async () => ok(await metrics.stats()),
  });

  app.get('/api/metrics/system', {
    schema: { tags, description: 'CPU, memory and event-loop delay of this process, and the host.', response: { 200: Envelope(SystemMetrics), ...errorResponses } },
    handler: async () => ok(metrics.system()),
  });

  app.get('/api/metrics/bot', {
    schema: { tags, description: "Bots' update rate, response times and errors, as handled by this process.", querystring: BotFilterQuery, response: { 200: Envelope(BotMetrics), ...errorResponses } },
    handler: async (request) => ok(metrics.bot(botIds(request.query.bot_id))),
  });

  app.get('/api/metrics/users', {
    schema: { tags, description: 'Distinct active users and chats per bot.', querystring: BotFilterQuery, response: { 200: Envelope(UserMetrics), ...errorResponses } },
    handler: async (request) => ok(metrics.users(botIds(request.query.bot_id))),
  });

  app.get('/api/metrics/errors', {
    schema: { tags, description: 'Recent 5xx answers, failed actions and bot handler errors, newest first.', querystring: ErrorsQuery, response: { 200: Envelope(ErrorMetrics), ...errorResponses } },
    handler: async (request) => ok(await metrics.errors(request.query.limit)),
  });
};

/** Prometheus scrape endpoint; guarded by METRICS_TOKEN (Bearer) when it is set. */
export const prometheusRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { metricsRegistry, config } = app.deps;
  app.get('/metrics', {
    schema: { tags: ['metrics'], description: 'Prometheus exposition format.', response: { 200: Type.String(), 401: Type.Ref('ErrorBody') } },
    handler: async (request, reply) => {
      if (config.METRICS_TOKEN && !secretEquals(bearerToken(request), config.METRICS_TOKEN)) throw unauthorized('Missing or invalid metrics token');
      return reply.type(metricsRegistry.contentType).send(await metricsRegistry.metrics());
    },
  });
};

/**
 * Root-level hooks (hence fastify-plugin): the Prometheus request histogram and the recent-5xx
 * list behind `/api/metrics/errors`.
 */
export const httpMonitoring = fp(
  async (app: FastifyInstance) => {
    const { metrics } = app.services;
    instrumentHttp(app, app.deps.metricsRegistry);
    const failures = new WeakMap<FastifyRequest, Error>();
    app.addHook('onError', async (request, _reply, err) => {
      failures.set(request, err);
    });
    app.addHook('onResponse', async (request, reply) => {
      metrics.noteHttpResponse({
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        url: request.url.split('?')[0],
        status: reply.statusCode,
        request_id: request.id,
        error: failures.get(request)?.message ?? null,
      });
    });
  },
  { name: 'http-monitoring' },
);
