import type { FastifyRequest } from 'fastify';
import { isGlobal, principalOf, resolveBotId, type Access } from '../../platform/auth.ts';
import { AppError, forbidden, notFound } from '../../platform/errors.ts';
import type { BotView } from './bots.service.ts';

/**
 * Resolves which bot a request acts for and checks the key may: a bot-scoped key acts for its
 * own bot (naming another is 403); a global key names one, or may omit it while exactly one bot
 * is registered (seed 003's single-bot clients send no bot id); an owner admin names one of their
 * bots or has only one. Group-scoped keys act on groups, not on bots: 403.
 */
export async function botFor(request: FastifyRequest, need: Access, requested: number | null | undefined): Promise<BotView> {
  const principal = principalOf(request);
  const { bots } = request.server.services;
  if (principal.kind === 'api_key' && need === 'write' && principal.access !== 'write') throw forbidden('This API key is read-only');
  if (principal.kind === 'admin') return bots.get(resolveBotId(principal, requested ?? undefined, need));
  if (!isGlobal(principal)) {
    if (principal.kind !== 'api_key' || principal.scope !== 'bot' || principal.botId === null) {
      throw forbidden('This API key is scoped to groups and cannot act for a bot');
    }
    if (requested !== undefined && requested !== null && requested !== principal.botId) throw forbidden(`This API key has no access to bot ${requested}`);
    return bots.get(principal.botId);
  }
  if (requested !== undefined && requested !== null) return bots.get(requested);
  const all = await bots.list();
  if (all.length === 1) return all[0];
  throw new AppError('BOT_REQUIRED', { message: 'Name the bot (bot_id): this deployment has more than one, or none' });
}

/**
 * Checks the key may touch a thing that belongs to a bot (a file, a webhook). Global keys may
 * touch all; a bot key only its bot's, an owner admin only their bots'. Anything else answers 404, like a missing thing, so ids
 * do not leak across tenants.
 */
export function assertBotOwned(request: FastifyRequest, what: string, item: { id: number | string; bot_id: number | null }, need: Access): void {
  const principal = principalOf(request);
  if (principal.kind === 'api_key' && need === 'write' && principal.access !== 'write') throw forbidden('This API key is read-only');
  if (isGlobal(principal)) return;
  if (principal.kind === 'api_key' && principal.scope === 'bot' && item.bot_id !== null && item.bot_id === principal.botId) return;
  if (principal.kind === 'admin' && item.bot_id !== null && principal.botIds.includes(item.bot_id)) return;
  throw notFound(what, item.id);
}

/** The bot whose things a list shows: a global key without `bot_id` sees every bot's (null). */
export async function botScopeFor(request: FastifyRequest, need: Access, requested: number | undefined): Promise<number | null> {
  return isGlobal(principalOf(request)) && requested === undefined ? null : (await botFor(request, need, requested)).bot_id;
}
