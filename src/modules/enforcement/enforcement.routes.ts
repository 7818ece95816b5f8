import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '../../platform/fastify.ts';
import type { PluginName } from '../plugins/plugins.service.ts';
import { AppError } from '../../platform/errors.ts';
import { Envelope, errorResponses, ok } from '../../platform/http.ts';
import { groupFor, groupOrRegister } from '../groups/groups.access.ts';
import { EnforcementBody, EnforcementParams, EnforcementResult, SenderChatBody, SenderChatParams, UserActionStateBody, UserParams, UserStatus } from './enforcement.schema.ts';

/** Chat-wide lockdown and night mode belong to the night_mode switch; the rest is moderation. */
const CHAT_WIDE = new Set(['lockdown', 'unlock', 'night_mode', 'night_mode_on', 'night_mode_off']);
const moduleOfAction = (request: FastifyRequest): PluginName => {
  const action = (request.params as { action_type?: string }).action_type ?? (request.body as { action: string }).action;
  return CHAT_WIDE.has(action) ? 'night_mode' : 'moderation';
};

const mismatch = (field: string) => new AppError('PATH_BODY_MISMATCH', { message: `${field} in the body differs from the path` });

export const enforcementRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { enforcement } = app.services;
  const tags = ['enforcement'];
  const upstreamErrors = { 422: errorResponses[400], 502: errorResponses[400], 503: errorResponses[400] };

  app.post('/api/v2/groups/:group_id/enforcement/:action_type', {
    schema: {
      tags,
      description: 'Execute an action (seed 001 `execute_action`). Reaches Telegram when the group\'s bot has a token.',
      params: EnforcementParams,
      body: EnforcementBody,
      response: { 200: Envelope(EnforcementResult), ...errorResponses, ...upstreamErrors },
    },
    config: { module: moduleOfAction },
    handler: async (request) => {
      await groupOrRegister(request, 'write');
      const { group_id, action_type } = request.params;
      const body = request.body;
      if (body.group_id !== undefined && body.group_id !== group_id) throw mismatch('group_id');
      if (body.action_type !== undefined && body.action_type !== action_type) throw mismatch('action_type');
      const result = await enforcement.enforce(group_id, action_type, { ...body, source: body.source ?? 'api' });
      const label = result.action_type.replace(/_/g, ' ');
      return ok(result, `✅ ${label[0].toUpperCase()}${label.slice(1)} executed`);
    },
  });

  app.post('/api/v2/groups/:group_id/sender-chats/:sender_chat_id/:action', {
    schema: {
      tags,
      description:
        'Ban or unban a chat that writes in the group: a channel, or a user posting as one (Telegram\'s banChatSenderChat / ' +
        'unbanChatSenderChat; a ban lasts until lifted). Logged as `ban_sender_chat` / `unban_sender_chat` with the ' +
        'sender chat\'s id as `user_id`; its status is `GET …/users/{sender_chat_id}/status`.',
      params: SenderChatParams,
      body: SenderChatBody,
      response: { 200: Envelope(EnforcementResult), ...errorResponses, ...upstreamErrors },
    },
    handler: async (request) => {
      await groupFor(request, 'write');
      const { group_id, sender_chat_id, action } = request.params;
      const { source, ...body } = request.body ?? {};
      const result = await enforcement.enforce(group_id, `${action}_sender_chat`, { ...body, user_id: sender_chat_id, source: source ?? 'api' });
      return ok(result, action === 'ban' ? '✅ Sender chat banned' : '✅ Sender chat unbanned');
    },
  });

  app.get('/api/v2/groups/:group_id/users/:user_id/status', {
    schema: { tags, params: UserParams, response: { 200: Envelope(UserStatus), ...errorResponses } },
    handler: async (request) => {
      await groupOrRegister(request, 'read');
      return ok(await enforcement.userStatus(request.params.group_id, request.params.user_id));
    },
  });

  app.post('/api/v2/groups/:group_id/users/:user_id/actions', {
    schema: {
      tags,
      description: 'Record a state the caller already applied (seed 001 `update_user_action_state`); does not call Telegram.',
      params: UserParams,
      body: UserActionStateBody,
      response: { 200: Envelope(UserStatus), ...errorResponses },
    },
    config: { module: moduleOfAction },
    handler: async (request) => {
      await groupOrRegister(request, 'write');
      const { group_id, user_id } = request.params;
      if (request.body.user_id !== undefined && request.body.user_id !== user_id) throw mismatch('user_id');
      return ok(await enforcement.setUserActionState(group_id, user_id, request.body), 'State updated');
    },
  });
};
