import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '../../platform/fastify.ts';
import { Envelope, errorResponses, ok } from '../../platform/http.ts';
import { groupFor } from '../groups/groups.access.ts';
import { GroupParams } from '../groups/groups.schema.ts';
import { CheckMessageBody, CreateRuleBody, RuleHistoryView, RuleHit, RuleParams, RuleView, UpdateRuleBody } from './rules.schema.ts';

export const rulesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { rules, roles, messageRules } = app.services;
  const tags = ['rules'];
  const invalidRule = { 422: errorResponses[400] };
  const mayManage = async (groupId: number, adminId: number | undefined) => {
    if (adminId !== undefined) await roles.assertMayAct(groupId, adminId, null, 'can_manage_rules');
  };

  app.post('/api/v2/groups/:group_id/rules', {
    schema: { tags, params: GroupParams, body: CreateRuleBody, response: { 201: Envelope(RuleView), ...errorResponses, ...invalidRule } },
    handler: async (request, reply) => {
      await groupFor(request, 'write');
      const { admin_id, ...input } = request.body;
      await mayManage(request.params.group_id, admin_id);
      return reply.status(201).send(ok(await rules.create(request.params.group_id, input, admin_id ?? null), 'Rule created'));
    },
  });

  app.get('/api/v2/groups/:group_id/rules', {
    schema: { tags, params: GroupParams, response: { 200: Envelope(Type.Array(RuleView)), ...errorResponses } },
    handler: async (request) => {
      await groupFor(request, 'read');
      return ok(await rules.list(request.params.group_id));
    },
  });

  app.get('/api/v2/groups/:group_id/rules/:rule_id', {
    schema: { tags, params: RuleParams, response: { 200: Envelope(RuleView), ...errorResponses } },
    handler: async (request) => {
      await groupFor(request, 'read');
      return ok(await rules.get(request.params.group_id, request.params.rule_id));
    },
  });

  app.put('/api/v2/groups/:group_id/rules/:rule_id', {
    schema: { tags, params: RuleParams, body: UpdateRuleBody, response: { 200: Envelope(RuleView), ...errorResponses, ...invalidRule } },
    handler: async (request) => {
      await groupFor(request, 'write');
      const { admin_id, ...patch } = request.body;
      await mayManage(request.params.group_id, admin_id);
      return ok(await rules.update(request.params.group_id, request.params.rule_id, patch, admin_id ?? null), 'Rule updated');
    },
  });

  for (const [verb, enabled] of [['enable', true], ['disable', false]] as const) {
    app.post(`/api/v2/groups/:group_id/rules/:rule_id/${verb}`, {
      schema: { tags, params: RuleParams, response: { 200: Envelope(RuleView), ...errorResponses } },
      handler: async (request) => {
        await groupFor(request, 'write');
        return ok(await rules.setEnabled(request.params.group_id, request.params.rule_id, enabled), `Rule ${verb}d`);
      },
    });
  }

  app.delete('/api/v2/groups/:group_id/rules/:rule_id', {
    schema: { tags, params: RuleParams, response: { 200: Envelope(Type.Null()), ...errorResponses } },
    handler: async (request) => {
      await groupFor(request, 'write');
      await rules.delete(request.params.group_id, request.params.rule_id);
      return ok(null, 'Rule deleted');
    },
  });

  app.post('/api/v2/groups/:group_id/rules/check', {
    schema: {
      tags,
      description: "Check one group message against the group's enabled keyword rules (for bots running in another process). The first match is applied (message deleted, penalty enforced, logged with the rule id) and returned; otherwise `fired` is null.",
      params: GroupParams,
      body: CheckMessageBody,
      response: { 200: Envelope(Type.Object({ fired: Type.Union([RuleHit, Type.Null()]) })), ...errorResponses },
    },
    handler: async (request) => {
      await groupFor(request, 'write');
      return ok({ fired: await messageRules.check(request.params.group_id, request.body) });
    },
  });

  app.get('/api/v2/groups/:group_id/rules/:rule_id/history', {
    schema: { tags, params: RuleParams, response: { 200: Envelope(Type.Array(RuleHistoryView)), ...errorResponses } },
    handler: async (request) => {
      await groupFor(request, 'read');
      return ok(await rules.history(request.params.group_id, request.params.rule_id));
    },
  });
};
