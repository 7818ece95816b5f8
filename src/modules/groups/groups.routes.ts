import type { FastifyPluginAsyncTypebox } from '../../platform/fastify.ts';
import { assertBotAccess, assertGroupAccess, isGlobal, principalOf, resolveBotId } from '../../platform/auth.ts';
import { forbidden } from '../../platform/errors.ts';
import { Envelope, Paginated, errorResponses, ok } from '../../platform/http.ts';
import { groupFor, groupOrRegister } from './groups.access.ts';
import {
  CreateGroupBody,
  GroupParams,
  GroupStats,
  GroupView,
  ListGroupsQuery,
  MigrateGroupBody,
  SettingsView,
  UpdateGroupBody,
  UpdateSettingsBody,
} from './groups.schema.ts';

export const groupsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { groups, audit, enforcement, roles, rules } = app.services;
  const tags = ['groups'];

  app.post('/api/v2/groups', {
    schema: { tags, body: CreateGroupBody, response: { 201: Envelope(GroupView), ...errorResponses, 409: errorResponses[400] } },
    handler: async (request, reply) => {
      const principal = principalOf(request);
      const body = { ...request.body };
      if (!isGlobal(principal) && principal.kind === 'api_key') {
        // A bot-scoped key creates groups of its own bot only; a group-list key creates none.
        if (principal.scope !== 'bot' || principal.access !== 'write') throw forbidden('This API key cannot create groups');
        if (body.bot_id != null && body.bot_id !== principal.botId) throw forbidden(`This API key has no access to bot ${body.bot_id}`);
        body.bot_id = principal.botId;
      }
      // An owner admin creates groups of their own bots: the one named, or their only bot.
      if (principal.kind === 'admin') body.bot_id = resolveBotId(principal, body.bot_id ?? undefined, 'write');
      return reply.status(201).send(ok(await groups.create(body), 'Group created'));
    },
  });

  app.get('/api/v2/groups', {
    schema: { tags, querystring: ListGroupsQuery, response: { 200: Envelope(Paginated(GroupView)), ...errorResponses } },
    handler: async (request) => {
      const principal = principalOf(request);
      const { page, limit, is_active, bot_id } = request.query;
      const filter: { botIds?: number[]; groupIds?: number[]; isActive?: boolean } = { isActive: is_active };
      if (bot_id !== undefined) filter.botIds = [bot_id];
      if (principal.kind === 'api_key' && principal.scope === 'bot') {
        if (bot_id !== undefined && bot_id !== principal.botId) throw forbidden(`This API key has no access to bot ${bot_id}`);
        filter.botIds = [principal.botId!];
      }
      if (principal.kind === 'api_key' && principal.scope === 'groups') filter.groupIds = principal.groupIds!;
      if (principal.kind === 'admin') {
        if (bot_id !== undefined) assertBotAccess(principal, bot_id);
        else filter.botIds = principal.botIds;
      }
      return ok(await groups.list(filter, page, limit));
    },
  });

  app.get('/api/v2/groups/:group_id', {
    schema: { tags, params: GroupParams, response: { 200: Envelope(GroupView), ...errorResponses } },
    handler: async (request) => ok(await groupFor(request, 'read')),
  });

  app.put('/api/v2/groups/:group_id', {
    schema: { tags, params: GroupParams, body: UpdateGroupBody, response: { 200: Envelope(GroupView), ...errorResponses } },
    handler: async (request) => {
      await groupFor(request, 'write');
      if (request.body.bot_id !== undefined && !isGlobal(principalOf(request))) throw forbidden('Only a global key can move a group to another bot');
      return ok(await groups.update(request.params.group_id, request.body), 'Group updated');
    },
  });

  app.post('/api/v2/groups/:group_id/migrate', {
    schema: {
      tags,
      description: 'Follow a group upgraded to a supergroup (Telegram `migrate_to_chat_id`): every row keyed by the old chat id moves to the new one.',
      params: GroupParams,
      body: MigrateGroupBody,
      response: { 200: Envelope(GroupView), ...errorResponses, 409: errorResponses[400] },
    },
    handler: async (request) => {
      const group = await groupFor(request, 'write');
      assertGroupAccess(principalOf(request), { groupId: request.body.new_group_id, botId: group.bot_id }, 'write');
      return ok(await groups.migrateChatId(request.params.group_id, request.body.new_group_id), 'Group migrated');
    },
  });

  app.get('/api/v2/groups/:group_id/stats', {
    schema: { tags, params: GroupParams, response: { 200: Envelope(GroupStats), ...errorResponses } },
    handler: async (request) => {
      const group = await groupFor(request, 'read');
      const id = group.group_id;
      const [actions, active, roleList, ruleList] = await Promise.all([audit.groupStats(id), enforcement.activeCounts(id), roles.list(id), rules.list(id)]);
      return ok({
        group_id: id,
        name: group.name,
        ...actions,
        active,
        roles: roleList.length,
        members_with_roles: roleList.reduce((n, r) => n + r.member_count, 0),
        rules: ruleList.length,
        rules_enabled: ruleList.filter((r) => r.enabled).length,
      });
    },
  });

  app.get('/api/v2/groups/:group_id/settings', {
    schema: { tags: ['settings'], params: GroupParams, response: { 200: Envelope(SettingsView), ...errorResponses } },
    handler: async (request) => {
      await groupOrRegister(request, 'read');
      return ok(await groups.getSettings(request.params.group_id));
    },
  });

  app.put('/api/v2/groups/:group_id/settings', {
    schema: { tags: ['settings'], params: GroupParams, body: UpdateSettingsBody, response: { 200: Envelope(SettingsView), ...errorResponses } },
    handler: async (request) => {
      await groupFor(request, 'write');
      const { admin_id, ...patch } = request.body;
      return ok(await enforcement.updateSettings(request.params.group_id, patch, admin_id ?? null), 'Settings updated');
    },
  });
};
