import type { FastifyRequest } from 'fastify';
import { isGlobal, principalOf, type Access } from '../../platform/auth.ts';
import { AppError, forbidden } from '../../platform/errors.ts';
import type { BotView } from './bots.service.ts';

/**
 * Resolves which bot a request acts for and checks the key may: a bot-scoped key acts for its
 * own bot (naming another is 403); a global key names one, or may omit it while exactly one bot
 * is registered (seed 003's single-bot clients send no bot id). Group-scoped keys act on groups,
 * not on bots: 403.
 */
export async function botFor(request: FastifyRequest, need: Access, requested: number | null | undefined): Promise<BotView> {
  const principal = principalOf(request);
  const { bots } = request.server.services;
  if (principal.kind === 'api_key' && need === 'write' && principal.access !== 'write') throw forbidden('This API key is read-only');
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
