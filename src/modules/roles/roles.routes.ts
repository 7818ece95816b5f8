import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '../../platform/fastify.ts';
import { Envelope, errorResponses, ok } from '../../platform/http.ts';
import { groupFor } from '../groups/groups.access.ts';
import { GroupParams } from '../groups/groups.schema.ts';
import { AssignRoleBody, BulkAssignBody, CreateRoleBody, Member, MemberParams, RoleParams, RoleView, Standing, UpdateRoleBody } from './roles.schema.ts';

export const rolesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { roles } = app.services;
  const tags = ['roles'];
  const conflictResponse = { 409: errorResponses[400] };

  app.post('/api/v2/groups/:group_id/roles', {
    schema: { tags, params: GroupParams, body: CreateRoleBody, response: { 201: Envelope(RoleView), ...errorResponses, ...conflictResponse } },
    handler: async (request, reply) => {
      await groupFor(request, 'write');
      const { admin_id, ...input } = request.body;
      if (admin_id !== undefined) await roles.assertMayAct(request.params.group_id, admin_id, null, 'can_manage_roles');
      return reply.status(201).send(ok(await roles.create(request.params.group_id, input, admin_id ?? null), 'Role created'));
    },
  });

  app.get('/api/v2/groups/:group_id/roles', {
    schema: { tags, params: GroupParams, response: { 200: Envelope(Type.Array(RoleView)), ...errorResponses } },
    handler: async (request) => {
      await groupFor(request, 'read');
      return ok(await roles.list(request.params.group_id));
    },
  });

  app.get('/api/v2/groups/:group_id/roles/:name', {
    schema: { tags, params: RoleParams, response: { 200: Envelope(RoleView), ...errorResponses } },
    handler: async (request) => {
      await groupFor(request, 'read');
      return ok(await roles.get(request.params.group_id, request.params.name));
    },
  });

  app.put('/api/v2/groups/:group_id/roles/:name', {
    schema: { tags, params: RoleParams, body: UpdateRoleBody, response: { 200: Envelope(RoleView), ...errorResponses, ...conflictResponse } },
    handler: async (request) => {
      await groupFor(request, 'write');
      const { admin_id, ...patch } = request.body;
      if (admin_id !== undefined) await roles.assertMayAct(request.params.group_id, admin_id, null, 'can_manage_roles');
      return ok(await roles.update(request.params.group_id, request.params.name, patch, admin_id ?? null), 'Role updated');
    },
  });

  app.delete('/api/v2/groups/:group_id/roles/:name', {
    schema: { tags, params: RoleParams, response: { 200: Envelope(Type.Null()), ...errorResponses } },
    handler: async (request) => {
      await groupFor(request, 'write');
      await roles.delete(request.params.group_id, request.params.name);
      return ok(null, 'Role deleted');
    },
  });

  app.get('/api/v2/groups/:group_id/members', {
    schema: { tags, params: GroupParams, response: { 200: Envelope(Type.Array(Member)), ...errorResponses } },
    handler: async (request) => {
      await groupFor(request, 'read');
      return ok(await roles.members(request.params.group_id));
    },
  });

  app.get('/api/v2/groups/:group_id/users/:user_id/role', {
    schema: { tags, params: MemberParams, response: { 200: Envelope(Standing), ...errorResponses } },
    handler: async (request) => {
      await groupFor(request, 'read');
      return ok({ user_id: request.params.user_id, ...(await roles.standing(request.params.group_id, request.params.user_id)) });
    },
  });

  app.put('/api/v2/groups/:group_id/users/:user_id/role', {
    schema: { tags, params: MemberParams, body: AssignRoleBody, response: { 200: Envelope(Standing), ...errorResponses } },
    handler: async (request) => {
      await groupFor(request, 'write');
      const { group_id, user_id } = request.params;
      const { role, admin_id } = request.body;
      if (admin_id !== undefined) await roles.assertMayAct(group_id, admin_id, user_id, 'can_manage_roles');
      await roles.assign(group_id, [{ user_id, role }], admin_id ?? null);
      return ok({ user_id, ...(await roles.standing(group_id, user_id)) }, 'Role assigned');
    },
  });

  app.delete('/api/v2/groups/:group_id/users/:user_id/role', {
    schema: { tags, params: MemberParams, response: { 200: Envelope(Type.Null()), ...errorResponses } },
    handler: async (request) => {
      await groupFor(request, 'write');
      await roles.unassign(request.params.group_id, request.params.user_id);
      return ok(null, 'Role removed');
    },
  });

  app.post('/api/v2/groups/:group_id/users/bulk', {
    schema: {
      tags,
      description: 'Assign roles to up to 1000 users in one transaction; a bad row rejects the batch with its index.',
      params: GroupParams,
      body: BulkAssignBody,
      response: { 200: Envelope(Type.Object({ assigned: Type.Integer() })), ...errorResponses },
    },
    handler: async (request) => {
      await groupFor(request, 'write');
      const assigned = await roles.assign(request.params.group_id, request.body.users, request.body.admin_id ?? null);
      return ok({ assigned }, `${assigned} users assigned`);
    },
  });
};
