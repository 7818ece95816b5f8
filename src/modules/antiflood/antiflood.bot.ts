import { Composer } from 'grammy';
import { chatAdminIds } from '../../bot/access.ts';
import type { BotContext } from '../../bot/context.ts';
import { displayName } from '../../bot/targets.ts';

/** Counts every member's messages; crossing the group's flood limit applies its penalty. Admins are exempt. */
export const antifloodComposer = new Composer<BotContext>();

antifloodComposer.chatType(['group', 'supergroup']).on('message', async (ctx, next) => {
  const user = ctx.from;
  if (!ctx.group || ctx.senderChat || user.is_bot || ctx.msg.new_chat_members || ctx.msg.left_chat_member) return next();
  if ((await chatAdminIds(ctx, ctx.chat.id)).includes(user.id)) return next();
  const penalty = await ctx.services.antiflood.onMessage(ctx.group.group_id, user.id, ctx.msg.date * 1000);
  if (penalty) {
    await ctx.reply(ctx.t('flood', { user: displayName(user), action: ctx.t(`action_${penalty.action_type}` as 'action_mute') }));
    return;
  }
  await next();
});
