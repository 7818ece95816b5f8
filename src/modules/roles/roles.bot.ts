import { Composer } from 'grammy';
import type { BotContext } from '../../bot/context.ts';

/** `/roles`: the group's roles with their permissions, and the caller's own role. */
export const rolesComposer = new Composer<BotContext>();

rolesComposer.chatType(['group', 'supergroup']).command('roles', async (ctx) => {
  const group = ctx.group;
  if (!group) return;
  const { roles } = ctx.services;
  const list = await roles.list(group.group_id);
  if (list.length === 0) return ctx.reply(ctx.t('roles_none'));
  const lines = list.map((r) =>
    ctx.t('role_line', { name: r.name, priority: r.priority, members: r.member_count, permissions: r.effective_permissions.join(', ') || ctx.t('none') }),
  );
  const mine = ctx.from ? (await roles.standing(group.group_id, ctx.from.id)).role : null;
  await ctx.reply([ctx.t('roles_header', { group: group.name }), ...lines, '', ctx.t('your_role', { role: mine ?? ctx.t('none') })].join('\n'));
});
