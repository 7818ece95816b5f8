import websocket from '@fastify/websocket';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '../../platform/fastify.ts';
import { apiKeyAuth, bearerToken } from '../../platform/auth.ts';
import type { LiveMessageType } from './live.service.ts';

/** Frames queued beyond this are dropped for that viewer: a slow client must not hold memory. */
const MAX_BUFFERED_BYTES = 1_000_000;

const LiveQuery = Type.Object({
  level: Type.Enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal'], { default: 'info' }),
  group_id: Type.Optional(Type.Integer()),
  /** Comma-separated: log, event, status (default all). */
  types: Type.String({ pattern: '^(log|event|status)(,(log|event|status))*$', default: 'log,event,status' }),
  /** For browsers, which cannot set headers on a WebSocket: the API key. */
  api_key: Type.Optional(Type.String()),
});

/** A browser WebSocket cannot send headers: the key may come as `?api_key=` (redacted from logs) or `X-API-Key`. */
function presentedKey(request: FastifyRequest): string | undefined {
  const header = request.headers['x-api-key'];
  return bearerToken(request) ?? (typeof header === 'string' ? header : undefined) ?? (request.query as { api_key?: string }).api_key;
}

/** `/api/ws/logs`: live logs, events and status over a WebSocket. */
export const liveRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { live } = app.services;
  await app.register(websocket, { options: { maxPayload: 4096 } });
  const authenticate = apiKeyAuth((token) => app.services.apiKeys.authenticate(token), presentedKey);
  app.addHook('onRequest', authenticate);

  app.get('/api/ws/logs', {
    websocket: true,
    schema: {
      tags: ['live'],
      description: 'WebSocket. JSON messages: `hello`, then `log` (structured log lines at or above `level`), `event` (enforcement actions, GitHub deliveries) and `status` (every LIVE_STATUS_INTERVAL_SECONDS). `group_id` keeps logs and events about one group. Logs and status need a global key.',
      querystring: LiveQuery,
    },
  }, (socket, request) => {
      const { level, group_id, types } = request.query;
      let dropped = 0;
      const stop = live.subscribe(request.principal!, { level, groupId: group_id, types: types.split(',') as LiveMessageType[] }, (message) => {
        if (socket.readyState !== socket.OPEN) return;
        if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
          dropped++;
          return;
        }
        socket.send(JSON.stringify(dropped > 0 ? { ...message, dropped_before: dropped } : message));
        dropped = 0;
      });
      socket.on('close', stop);
      socket.on('error', stop);
      // The stream is one-way; anything a client sends is ignored.
      socket.on('message', () => undefined);
  });
};
