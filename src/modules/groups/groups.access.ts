import type { FastifyRequest } from 'fastify';
import { GrammyError } from 'grammy';
import { assertGroupAccess, principalOf, type Access } from '../../platform/auth.ts';
import { AppError } from '../../platform/errors.ts';
import { telegramError } from '../../platform/telegram.ts';
import type { GroupView } from './groups.service.ts';

/**
 * Resolves a group id (by default the `group_id` route parameter) to the group and checks that
 * the caller's key covers it: unknown group 404, group outside the key's scope 403.
 */
export async function groupFor(request: FastifyRequest, need: Access, groupId = (request.params as { group_id: number }).group_id): Promise<GroupView> {
  const principal = principalOf(request);
  const group = await request.server.services.groups.get(groupId);
  assertGroupAccess(principal, { groupId: group.group_id, botId: group.bot_id }, need);
  return group;
}

/**
 * groupFor for the seed-001 calls, whose client has no call that creates groups: a group never
 * seen is registered on first use by a write key bound to a bot, as that bot's group with
 * default settings. When tgbase holds the bot's token, Telegram must confirm the bot is in the
 * chat (its title names the group), so a key cannot claim another bot's chat. Any other caller
 * (a global key included) still gets 404: tgbase does not guess a group's tenant.
 */
export async function groupOrRegister(request: FastifyRequest, need: Access, groupId = (request.params as { group_id: number }).group_id): Promise<GroupView> {
  try {
    return await groupFor(request, need, groupId);
  } catch (err) {
    const principal = principalOf(request);
    const unknown = err instanceof AppError && err.status === 404;
    if (!unknown || principal.kind !== 'api_key' || principal.scope !== 'bot' || principal.access !== 'write' || principal.botId === null || groupId >= 0) throw err;
    const title = await chatTitle(request, principal.botId, groupId);
    if (title === null) throw err;
    const group = await request.server.services.groups.register({ group_id: groupId, name: title, bot_id: principal.botId });
    request.log.info({ group_id: groupId, bot_id: principal.botId }, 'group registered on first use');
    // Another bot may have registered it a moment earlier.
    assertGroupAccess(principal, { groupId, botId: group.bot_id }, need);
    return group;
  }
}

/** The chat's title as the bot sees it; null when Telegram says the bot cannot see the chat. Without a token, a placeholder. */
async function chatTitle(request: FastifyRequest, botId: number, groupId: number): Promise<string | null> {
  const api = await request.server.services.bots.apiFor(botId);
  if (!api) return `Group ${groupId}`;
  try {
    const chat = await api.getChat(groupId);
    return chat.type === 'group' || chat.type === 'supergroup' ? chat.title : null;
  } catch (err) {
    if (err instanceof GrammyError && (err.error_code === 400 || err.error_code === 403)) return null;
    throw telegramError(err);
  }
}
