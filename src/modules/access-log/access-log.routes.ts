import rateLimit from '@fastify/rate-limit';
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '../../platform/fastify.ts';
import { assertGlobalAccess, principalOf } from '../../platform/auth.ts';
import { AppError } from '../../platform/errors.ts';
import { Envelope, Paginated, Timestamp, errorResponses, ok } from '../../platform/http.ts';

const AccessEntry = Type.Object({
  id: Type.Integer(),
  key_id: Type.Union([Type.Integer(), Type.Null()]),
  method: Type.String(),
  route: Type.String(),
  status: Type.Integer(),
  duration_ms: Type.Integer(),
  request_id: Type.String(),
  ip: Type.Union([Type.String(), Type.Null()]),
  created_at: Timestamp,
});

const AccessLogQuery = Type.Object({
  /** A key id; `bootstrap` for the bootstrap key. */
  key_id: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Literal('bootstrap')])),
  page: Type.Integer({ minimum: 1, default: 1 }),
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
});

/**
 * For the API-key scope (fastify-plugin, so it covers the scope's routes): a per-key (or per admin) rate limit,
 * counted in Redis when configured so every instance shares it, and the access log.
 */
export const apiKeyUsage = fp(
  async (app: FastifyInstance) => {
    const { config, cache } = app.deps;
    const { accessLog } = app.services;
    await app.register(rateLimit, {
      max: config.RATE_LIMIT_PER_MINUTE,
      timeWindow: 60_000,
      // After the API key is resolved (onRequest), before the body is parsed.
      hook: 'preParsing',
      redis: cache.redisClient,
      nameSpace: 'ratelimit:',
      skipOnError: true,
      keyGenerator: (request) => {
        const principal = request.principal;
        if (principal?.kind === 'api_key') return `key:${principal.keyId}`;
        // Panel sessions count per person, not in the bootstrap key's bucket.
        if (principal?.kind === 'admin') return `admin:${principal.telegramId}`;
        return 'bootstrap';
      },
      errorResponseBuilder: (_request, context) =>
        new AppError('RATE_LIMITED', { message: `Rate limit of ${context.max} requests per minute exceeded; retry in ${context.after}`, status: 429 }),
    });
    app.addHook('onResponse', async (request, reply) => {
      const principal = request.principal;
      // The log is of API key use; a panel session (admin JWT) is no key and would read as the bootstrap key.
      if (!principal || principal.kind === 'admin') return;
      accessLog.record({
        key_id: principal.kind === 'api_key' ? principal.keyId : null,
        method: request.method,
        route: request.routeOptions.url ?? request.url.split('?')[0],
        status: reply.statusCode,
        duration_ms: reply.elapsedTime,
        request_id: request.id,
        ip: request.ip ?? null,
        at: new Date(),
      });
    });
  },
  { name: 'api-key-usage' },
);

export const accessLogRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { accessLog } = app.services;
  app.get('/api/access-log', {
    schema: { tags: ['api-keys'], description: 'API key use, newest first (written within about a second).', querystring: AccessLogQuery, response: { 200: Envelope(Paginated(AccessEntry)), ...errorResponses } },
    handler: async (request) => {
      assertGlobalAccess(principalOf(request), 'read');
      const { key_id, page, limit } = request.query;
      return ok(await accessLog.list(key_id === 'bootstrap' ? null : key_id, page, limit));
    },
  });
};
