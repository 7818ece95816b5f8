import { Composer } from 'grammy';
import type { BotContext } from '../../bot/context.ts';
import type { StringKey } from '../../bot/i18n.ts';

/** `/rules`: the group's enabled rules, or its warn limit when it has none. */
export const rulesComposer = new Composer<BotContext>();

rulesComposer.chatType(['group', 'supergroup']).command('rules', async (ctx) => {
  const group = ctx.group;
  if (!group) return;
  const rules = (await ctx.services.rules.list(group.group_id)).filter((r) => r.enabled);
  if (rules.length === 0) {
    const { moderation } = await ctx.services.groups.getSettings(group.group_id);
    return ctx.reply(ctx.t('rules_none', { limit: moderation.warn_limit, action: ctx.t(`action_${moderation.warn_action}` as StringKey) }));
  }
  const lines = rules.map((r, i) => {
    const trigger = r.trigger.type === 'keyword' ? `"${r.trigger.pattern}"` : `${r.trigger.type} ≥ ${r.trigger.threshold}`;
    return ctx.t('rule_line', { n: i + 1, name: r.name, trigger, action: ctx.t(`action_${r.penalty.action}` as StringKey) });
  });
  await ctx.reply([ctx.t('rules_header', { group: group.name }), ...lines].join('\n'));
});
