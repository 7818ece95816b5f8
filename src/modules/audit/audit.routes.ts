import { Type, type Static } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '../../platform/fastify.ts';
import { Envelope, Paginated, errorResponses, ok } from '../../platform/http.ts';
import { groupFor, groupOrRegister } from '../groups/groups.access.ts';
import { GroupParams } from '../groups/groups.schema.ts';
import { UserParams } from '../enforcement/enforcement.schema.ts';
import type { ActionEntry } from './audit.service.ts';
import { ActionView, BulkLogBody, ListActionsQuery, LogActionBody, SeedLogActionBody, UserStats } from './audit.schema.ts';

function toEntry(groupId: number, body: Static<typeof LogActionBody>): ActionEntry {
  return {
    group_id: groupId,
    user_id: body.user_id,
    admin_id: body.admin_id,
    action: body.action,
    reason: body.reason ?? body.details ?? null,
    result: body.result,
    duration: body.duration,
    meta: body.meta,
    created_at: body.timestamp,
  };
}

export const auditRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { audit } = app.services;
  const tags = ['actions'];

  app.post('/api/v2/groups/:group_id/actions', {
    schema: { tags, params: GroupParams, body: LogActionBody, response: { 201: Envelope(ActionView), ...errorResponses } },
    handler: async (request, reply) => {
      await groupFor(request, 'write');
      return reply.status(201).send(ok(await audit.log(toEntry(request.params.group_id, request.body)), 'Action logged'));
    },
  });

  app.post('/api/v2/groups/:group_id/actions/bulk', {
    schema: {
      tags,
      description: 'Log up to 1000 actions in one transaction; a bad row rejects the batch (the error names its index).',
      params: GroupParams,
      body: BulkLogBody,
      response: { 201: Envelope(Type.Object({ inserted: Type.Integer(), first_id: Type.Integer(), last_id: Type.Integer() })), ...errorResponses },
    },
    handler: async (request, reply) => {
      await groupFor(request, 'write');
      const rows = await audit.logMany(request.body.actions.map((a) => toEntry(request.params.group_id, a)));
      return reply.status(201).send(ok({ inserted: rows.length, first_id: rows[0].id, last_id: rows.at(-1)!.id }, `${rows.length} actions logged`));
    },
  });

  app.get('/api/v2/groups/:group_id/actions', {
    schema: { tags, params: GroupParams, querystring: ListActionsQuery, response: { 200: Envelope(Paginated(ActionView)), ...errorResponses } },
    handler: async (request) => {
      await groupFor(request, 'read');
      const { page, limit, user_id, admin_id, action, result, source, since, until } = request.query;
      const filters = {
        userId: user_id,
        adminId: admin_id,
        action,
        result,
        source,
        since: since ? new Date(since) : undefined,
        until: until ? new Date(until) : undefined,
      };
      return ok(await audit.list(request.params.group_id, filters, page, limit));
    },
  });

  app.get('/api/v2/groups/:group_id/users/:user_id/stats', {
    schema: { tags, params: UserParams, response: { 200: Envelope(UserStats), ...errorResponses } },
    handler: async (request) => {
      await groupFor(request, 'read');
      return ok(await audit.userStats(request.params.group_id, request.params.user_id));
    },
  });

  app.post('/api/v2/logs/actions', {
    schema: { tags, description: "Seed 001's `log_action`.", body: SeedLogActionBody, response: { 201: Envelope(ActionView), ...errorResponses } },
    handler: async (request, reply) => {
      const { group_id, details, timestamp: _t, ...rest } = request.body;
      await groupOrRegister(request, 'write', group_id);
      const entry = await audit.log({ group_id, ...rest, reason: details ?? null, source: 'api' });
      return reply.status(201).send(ok(entry, 'Action logged'));
    },
  });
};
