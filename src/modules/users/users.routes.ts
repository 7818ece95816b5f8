import type { FastifyPluginAsyncTypebox } from '../../platform/fastify.ts';
import type { FastifyRequest } from 'fastify';
import { assertOwnUser, principalOf, requestedBotId, tenantBotId, type Access } from '../../platform/auth.ts';
import { errorResponses } from '../../platform/http.ts';
import { BalanceView, BotQuery, ReferralsView, SyncUserBody, SyncUserResponse, TelegramIdParams, TrialView } from './users.schema.ts';

/** Seed 004's user routes: a Mini App user reaches only their own data (403 otherwise). */
export const usersRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { users } = app.services;
  const tags = ['users'];

  app.post('/api/v1/users/sync', {
    schema: { tags, body: SyncUserBody, response: { 200: SyncUserResponse, ...errorResponses } },
    handler: async (request) => {
      const principal = principalOf(request);
      const { bot_id, start_param, referral_code, ...profile } = request.body;
      const botId = tenantBotId(principal, bot_id ?? requestedBotId(request));
      assertOwnUser(principal, botId, profile.telegram_id, 'write');
      return users.sync(botId, profile, start_param ?? (referral_code ? `ref_${referral_code}` : null));
    },
  });

  app.get('/api/v1/users/:telegram_id/balance', {
    schema: { tags, params: TelegramIdParams, querystring: BotQuery, response: { 200: BalanceView, ...errorResponses } },
    handler: async (request) => {
      return users.balance(ownUserBot(request, request.params.telegram_id), request.params.telegram_id);
    },
  });

  app.get('/api/v1/users/:telegram_id/trial', {
    schema: { tags, params: TelegramIdParams, querystring: BotQuery, response: { 200: TrialView, ...errorResponses } },
    handler: async (request) => users.trialStatus(ownUserBot(request, request.params.telegram_id), request.params.telegram_id),
  });

  app.get('/api/v1/referrals/:telegram_id', {
    schema: { tags: ['referrals'], params: TelegramIdParams, querystring: BotQuery, response: { 200: ReferralsView, ...errorResponses } },
    config: { module: 'referrals' },
    handler: async (request) => users.referrals(ownUserBot(request, request.params.telegram_id), request.params.telegram_id),
  });
};

/** The bot of a per-user route, after checking the caller may touch this user's data. */
export function ownUserBot(request: FastifyRequest, telegramId: number, need: Access = 'read', explicitBotId?: number): number {
  const principal = principalOf(request);
  const botId = tenantBotId(principal, explicitBotId ?? requestedBotId(request));
  assertOwnUser(principal, botId, telegramId, need);
  return botId;
}
