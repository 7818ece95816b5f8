import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '../../platform/fastify.ts';
import { Envelope, TelegramId, Timestamp, errorResponses, ok } from '../../platform/http.ts';
import { EnforcementResult } from '../enforcement/enforcement.schema.ts';
import { groupFor } from '../groups/groups.access.ts';
import { GroupParams } from '../groups/groups.schema.ts';

const MessageBody = Type.Object({
  user_id: TelegramId,
  /** When the message was sent (Telegram's `date`); now when absent. */
  sent_at: Type.Optional(Timestamp),
});

/** Flood control for bots that run in another process: one call per member message. */
export const antifloodRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { antiflood } = app.services;

  app.post('/api/v2/groups/:group_id/flood', {
    schema: {
      tags: ['enforcement'],
      description: "Count one member message. When it crosses the group's flood limit the penalty is applied (and logged) and returned; otherwise `penalty` is null.",
      params: GroupParams,
      body: MessageBody,
      response: { 200: Envelope(Type.Object({ penalty: Type.Union([EnforcementResult, Type.Null()]) })), ...errorResponses },
    },
    // Flood limits are automatic penalties: the rules switch.
    config: { module: 'rules' },
    handler: async (request) => {
      await groupFor(request, 'write');
      const sentAt = request.body.sent_at ? Date.parse(request.body.sent_at) : Date.now();
      return ok({ penalty: await antiflood.onMessage(request.params.group_id, request.body.user_id, sentAt) });
    },
  });
};
