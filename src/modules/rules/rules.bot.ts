import { Composer } from 'grammy';
import type { Message } from 'grammy/types';
import { chatAdminIds } from '../../bot/access.ts';
import type { BotContext } from '../../bot/context.ts';
import { forDuration, type StringKey } from '../../bot/i18n.ts';
import { displayName } from '../../bot/targets.ts';
import { AppError } from '../../platform/errors.ts';
import { warnLimitOf, type WarnLimit } from './rules.service.ts';

/** `/rules`: the group's enabled rules and what warnings earn. */
export const rulesComposer = new Composer<BotContext>();

rulesComposer.chatType(['group', 'supergroup']).command('rules', async (ctx) => {
  const group = ctx.group;
  if (!group) return;
  const rules = (await ctx.services.rules.list(group.group_id)).filter((r) => r.enabled);
  const limit = await groupWarnLimit(ctx, group.group_id);
  const limitParams = (l: WarnLimit) => ({ limit: l.limit, action: ctx.t(`action_${l.action}` as StringKey) });
  if (rules.length === 0) return ctx.reply(limit ? ctx.t('rules_none', limitParams(limit)) : ctx.t('rules_header', { group: group.name }));
  const lines = rules.map((r, i) => {
    const trigger = r.trigger.type === 'keyword' ? `"${r.trigger.pattern}"` : `${r.trigger.type} ≥ ${r.trigger.threshold}`;
    return ctx.t('rule_line', { n: i + 1, name: r.name, trigger, action: ctx.t(`action_${r.penalty.action}` as StringKey) });
  });
  // Without a warn_count rule the warn_limit setting still applies: say so, as enforcement will.
  if (limit && !limit.rule) lines.push(ctx.t('rules_warn_limit', limitParams(limit)));
  await ctx.reply([ctx.t('rules_header', { group: group.name }), ...lines].join('\n'));
});

/** What warnings earn in this group (see warnLimitOf), as the bot shows it. */
export async function groupWarnLimit(ctx: BotContext, groupId: number): Promise<WarnLimit | null> {
  const [rules, settings] = await Promise.all([ctx.services.rules.list(groupId), ctx.services.groups.getSettings(groupId)]);
  return warnLimitOf(rules, settings.moderation);
}

/**
 * Keyword rules on every group message, new or edited: the first enabled rule that matches
 * deletes it and applies its penalty (see MessageRulesService). A matched message goes no
 * further down the chain. Its own composer, so that a module switch can gate it.
 */
export const messageRulesComposer = new Composer<BotContext>();

messageRulesComposer.chatType(['group', 'supergroup']).on(['message', 'edited_message'], async (ctx, next) => {
  const msg = ctx.msg;
  if (!ctx.group || (!ctx.senderChat && ctx.from?.is_bot)) return next();
  const text = checkedText(msg);
  if (text === '') return next();
  const userId = ctx.senderChat ? null : (ctx.from?.id ?? null);
  // An anonymous admin writes as the group; a linked channel's posts arrive as automatic forwards: both speak for the group's owners.
  const fromAdmin =
    ctx.senderChat?.id === ctx.chat.id || msg.is_automatic_forward === true || (userId !== null && (await chatAdminIds(ctx, ctx.chat.id)).includes(userId));
  let hit;
  try {
    hit = await ctx.services.messageRules.check(ctx.group.group_id, { user_id: userId, message_id: msg.message_id, text, from_admin: fromAdmin });
  } catch (err) {
    // Telegram refusing a penalty (e.g. on an administrator) is logged by enforcement; the chat need not hear about it.
    if (!(err instanceof AppError) || err.status >= 500) throw err;
    ctx.log.warn({ code: err.code, message: err.message }, 'rule penalty refused');
    return;
  }
  if (!hit) return next();
  if (hit.action === 'delete' || !ctx.from || userId === null) return;
  const action = `${ctx.t(`action_${hit.action}` as StringKey)}${forDuration(ctx, hit.duration)}`;
  await ctx.reply(ctx.t('rule_fired', { rule: hit.name, action, user: displayName(ctx.from) }));
});

/** Everything a message shows that a rule may look for, one part per line: text, caption, link targets, forward origin, buttons. */
function checkedText(msg: Message): string {
  const parts: string[] = [];
  if (msg.text) parts.push(msg.text);
  if (msg.caption) parts.push(msg.caption);
  for (const entity of [...(msg.entities ?? []), ...(msg.caption_entities ?? [])]) {
    if (entity.type === 'text_link') parts.push(entity.url);
  }
  const origin = msg.forward_origin;
  if (origin?.type === 'user') parts.push([origin.sender_user.first_name, origin.sender_user.last_name, origin.sender_user.username].filter(Boolean).join(' '));
  if (origin?.type === 'hidden_user') parts.push(origin.sender_user_name);
  if (origin?.type === 'chat') parts.push([origin.sender_chat.title, 'username' in origin.sender_chat ? origin.sender_chat.username : undefined].filter(Boolean).join(' '));
  if (origin?.type === 'channel') parts.push([origin.chat.title, origin.chat.username].filter(Boolean).join(' '));
  for (const button of msg.reply_markup?.inline_keyboard.flat() ?? []) {
    parts.push(button.text);
    if ('url' in button && button.url) parts.push(button.url);
  }
  return parts.join('\n');
}
