import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '../../platform/fastify.ts';

const Health = Type.Object({
  status: Type.Enum(['healthy', 'degraded']),
  version: Type.String(),
  uptime_seconds: Type.Number(),
  database: Type.Object({ kind: Type.String(), status: Type.String() }),
  cache: Type.Object({ l1_entries: Type.Integer(), l2: Type.String(), hit_rate: Type.Number() }),
  /**
   * Telegram as this process saw it in its own recent calls (no call is made for /health):
   * `unreachable` when a bot's last call got no answer, `unknown` before any call.
   */
  telegram: Type.Object({
    status: Type.Enum(['ok', 'unreachable', 'unknown']),
    bots: Type.Array(
      Type.Object({
        bot_id: Type.Integer(),
        reachable: Type.Boolean(),
        last_ok_at: Type.Union([Type.String(), Type.Null()]),
        last_error_at: Type.Union([Type.String(), Type.Null()]),
        last_error: Type.Union([Type.String(), Type.Null()]),
      }),
    ),
  }),
});

/** Public routes: `/` and `/health` (the bot's `health_check`). */
export const systemRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { database, cache, telegram } = app.deps;
  const tags = ['system'];

  app.get('/', {
    schema: { tags, response: { 200: Type.Object({ name: Type.String(), version: Type.String(), docs: Type.String(), openapi: Type.String(), health: Type.String() }) } },
    handler: async () => ({ name: 'tgbase', version: VERSION, docs: '/docs', openapi: '/openapi.json', health: '/health' }),
  });

  app.get('/health', {
    schema: { tags, response: { 200: Health, 503: Health } },
    handler: async (_request, reply) => {
      let db = 'ok';
      try {
        await database.ping();
      } catch {
        db = 'down';
      }
      const cacheStatus = await cache.status();
      const bots = telegram.reachability();
      // Telegram being down does not make this instance unhealthy: its API still serves.
      const healthy = db === 'ok' && cacheStatus.l2 !== 'down';
      return reply.status(healthy ? 200 : 503).send({
        status: healthy ? 'healthy' : 'degraded',
        version: VERSION,
        uptime_seconds: Math.round(process.uptime()),
        database: { kind: database.kind, status: db },
        cache: cacheStatus,
        telegram: { status: bots.length === 0 ? 'unknown' : bots.every((b) => b.reachable) ? 'ok' : 'unreachable', bots },
      });
    },
  });
};

export const VERSION = '0.1.0';
