import type { BotContext } from './context.ts';

const adminsKey = (botId: number, chatId: number) => `tgadmins:${botId}:${chatId}`;

/** Ids of the chat's Telegram administrators, cached (BOT_ADMIN_CACHE_SECONDS) and dropped on `chat_member` changes. */
export async function chatAdminIds(ctx: BotContext, chatId: number): Promise<number[]> {
  return ctx.deps.cache.getOrLoad(adminsKey(ctx.botId, chatId), ctx.deps.config.BOT_ADMIN_CACHE_SECONDS, async () =>
    (await ctx.api.getChatAdministrators(chatId)).map((m) => m.user.id),
  );
}

export async function forgetChatAdmins(ctx: BotContext, chatId: number): Promise<void> {
  await ctx.deps.cache.invalidate(adminsKey(ctx.botId, chatId));
}

export interface Actor {
  allowed: boolean;
  /** Who acts, for enforcement and the log; null for an anonymous administrator. */
  actorId: number | null;
}

/**
 * May the sender use `permission` in this group? Telegram chat administrators may (including
 * an anonymous admin writing as the group); other members only when their tgbase role grants
 * it. Enforcement still checks role priority against the target.
 */
export async function actorFor(ctx: BotContext, permission: string): Promise<Actor> {
  const chatId = ctx.chat!.id;
  if (ctx.senderChat?.id === chatId) return { allowed: true, actorId: null };
  const userId = ctx.from?.id;
  if (userId === undefined) return { allowed: false, actorId: null };
  const standing = await ctx.services.roles.standing(chatId, userId);
  if (standing.permissions.includes(permission)) return { allowed: true, actorId: userId };
  const admins = await chatAdminIds(ctx, chatId);
  return { allowed: admins.includes(userId), actorId: userId };
}
