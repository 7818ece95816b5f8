import { Composer, InlineKeyboard } from 'grammy';
import type { User } from 'grammy/types';
import { encodeCallback } from '../../bot/callback-data.ts';
import type { BotContext } from '../../bot/context.ts';
import { sendWelcome } from '../groups/groups.bot.ts';

/**
 * Newcomers: with the group's captcha on, each new member is muted and shown a button; pressing
 * it in time lifts the mute and welcomes them, otherwise a delayed job kicks them. Without the
 * captcha, newcomers are welcomed at once.
 */
export const captchaComposer = new Composer<BotContext>();
const inGroups = captchaComposer.chatType(['group', 'supergroup']);

inGroups.on('message:new_chat_members', async (ctx, next) => {
  if (!ctx.group) return next();
  const settings = await ctx.services.groups.getSettings(ctx.group.group_id);
  for (const member of ctx.msg.new_chat_members) {
    if (member.is_bot) continue;
    if (settings.moderation.captcha_enabled) await challenge(ctx, member, settings.moderation.captcha_timeout_seconds);
    else await sendWelcome(ctx, member);
  }
  await next();
});

inGroups.on('callback_query', async (ctx, next) => {
  const data = ctx.callback;
  if (data?.k !== 'c' || !ctx.group) return next();
  if (ctx.from.id !== data.u) return ctx.answerCallbackQuery({ text: ctx.t('captcha_not_yours'), show_alert: true });
  const solved = await ctx.services.captcha.solve(ctx.group.group_id, data.u);
  if (solved) await sendWelcome(ctx, ctx.from);
  await ctx.answerCallbackQuery({ text: ctx.t(solved ? 'captcha_solved' : 'unknown_button') });
});

async function challenge(ctx: BotContext, member: User, timeoutSeconds: number): Promise<void> {
  const prompt = await ctx.reply(ctx.t('captcha_prompt', { first_name: member.first_name, seconds: timeoutSeconds }), {
    reply_markup: new InlineKeyboard().text(ctx.t('captcha_button'), encodeCallback({ k: 'c', u: member.id })),
  });
  await ctx.services.captcha.challenge(ctx.group!.group_id, member.id, prompt.message_id, timeoutSeconds);
}
