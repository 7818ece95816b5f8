import { Composer, InlineKeyboard } from 'grammy';
import { actorFor } from '../../bot/access.ts';
import { encodeCallback, PANEL_ACTIONS } from '../../bot/callback-data.ts';
import type { BotContext } from '../../bot/context.ts';
import { forDuration, type StringKey } from '../../bot/i18n.ts';
import { parseDuration, parseModerationArgs, resolveTarget, type Target } from '../../bot/targets.ts';
import { editKeyboard } from '../groups/groups.bot.ts';
import { groupWarnLimit } from '../rules/rules.bot.ts';
import type { WarnLimit } from '../rules/rules.service.ts';
import { PERMISSION_FOR, type EnforcementResult, type UserStatus } from './enforcement.service.ts';

/** Commands that act on one member, each the enforcement action of the same name. */
const MEMBER_COMMANDS = ['mute', 'unmute', 'ban', 'unban', 'kick', 'warn', 'unwarn'] as const;
type MemberCommand = (typeof MEMBER_COMMANDS)[number];
type PanelAction = (typeof PANEL_ACTIONS)[number];

const SCHEDULE = /^([01]\d|2[0-3]):([0-5]\d)\s*[-–]\s*([01]\d|2[0-3]):([0-5]\d)$/;

/**
 * Moderation from Telegram: member commands, `/warns` and the per-user admin panel
 * (`/settings @user`). Every action goes through EnforcementService.enforce, which checks role
 * priority, calls Telegram, records state and writes the log.
 */
export const enforcementComposer = new Composer<BotContext>();
const inGroups = enforcementComposer.chatType(['group', 'supergroup']);

enforcementComposer.chatType('private').command([...MEMBER_COMMANDS, 'warns'], (ctx) => ctx.reply(ctx.t('groups_only')));

/** The chat-wide `/lockdown`, `/unlock` and `/nightmode`: the night_mode switch, apart from member moderation. */
export const chatLockComposer = new Composer<BotContext>();
const lockInGroups = chatLockComposer.chatType(['group', 'supergroup']);

chatLockComposer.chatType('private').command(['lockdown', 'unlock', 'nightmode'], (ctx) => ctx.reply(ctx.t('groups_only')));

for (const command of MEMBER_COMMANDS) {
  inGroups.command(command, async (ctx) => {
    if (!ctx.group) return;
    const actor = await actorFor(ctx, PERMISSION_FOR[command]);
    if (!actor.allowed) return ctx.reply(ctx.t('not_allowed'));
    const args = parseModerationArgs(ctx, ctx.match);
    const target = await targetOf(ctx, args.target, command);
    if (!target) return;
    // A chat writing in the group is banned as a sender chat: banChatMember takes users only.
    const action = target.senderChat ? (`${command as 'ban' | 'unban'}_sender_chat` as const) : command;
    const result = await ctx.services.enforcement.enforce(ctx.group.group_id, action, {
      user_id: target.id,
      admin_id: actor.actorId,
      duration: args.duration,
      reason: args.reason,
      source: 'bot',
    });
    await ctx.reply(await outcome(ctx, command, target, result));
  });
}

inGroups.command('warns', async (ctx) => {
  if (!ctx.group) return;
  const args = parseModerationArgs(ctx, ctx.match);
  const target = args.target ? await targetOf(ctx, args.target) : { id: ctx.from!.id, name: ctx.from!.first_name };
  if (!target) return;
  if (target.id !== ctx.from?.id && !(await actorFor(ctx, 'can_warn')).allowed) return ctx.reply(ctx.t('not_allowed'));
  const [status, limit] = await Promise.all([ctx.services.enforcement.userStatus(ctx.group.group_id, target.id), groupWarnLimit(ctx, ctx.group.group_id)]);
  if (!limit) return ctx.reply(ctx.t('warns_no_limit', { user: target.name, count: status.has_warnings }));
  await ctx.reply(ctx.t('warns', { user: target.name, count: status.has_warnings, limit: limit.limit, action: ctx.t(`action_${limit.action}` as StringKey) }));
});

inGroups.command('settings', async (ctx, next) => {
  const args = parseModerationArgs(ctx, ctx.match);
  if (!ctx.group || !args.target) return next();
  const allowed = await Promise.all(['can_mute', 'can_ban', 'can_warn'].map((p) => actorFor(ctx, p)));
  if (!allowed.some((a) => a.allowed)) return ctx.reply(ctx.t('not_allowed'));
  const target = await targetOf(ctx, args.target);
  if (!target) return;
  const status = await ctx.services.enforcement.userStatus(ctx.group.group_id, target.id);
  await ctx.reply(ctx.t('panel_user', { user: target.name }), { reply_markup: userPanel(ctx, status, await groupWarnLimit(ctx, ctx.group.group_id)) });
});

inGroups.on('callback_query', async (ctx, next) => {
  const data = ctx.callback;
  if (data?.k !== 'u' || !ctx.group) return next();
  const actor = await actorFor(ctx, PERMISSION_FOR[data.a]);
  if (!actor.allowed) return ctx.answerCallbackQuery({ text: ctx.t('not_allowed'), show_alert: true });
  const groupId = ctx.group.group_id;
  // The button names the state it switches to, so two quick presses of a stale keyboard agree.
  await ctx.services.enforcement.enforce(groupId, data.a, { user_id: data.u, admin_id: actor.actorId, reason: 'admin panel', source: 'bot' });
  const status = await ctx.services.enforcement.userStatus(groupId, data.u);
  await editKeyboard(ctx, userPanel(ctx, status, await groupWarnLimit(ctx, groupId)));
  await ctx.answerCallbackQuery({ text: ctx.t('done') });
});

lockInGroups.command(['lockdown', 'unlock'], async (ctx) => {
  if (!ctx.group) return;
  const actor = await actorFor(ctx, 'can_lockdown');
  if (!actor.allowed) return ctx.reply(ctx.t('not_allowed'));
  const lock = ctx.msg.text.startsWith('/lockdown');
  const [first, ...rest] = ctx.match.trim().split(/\s+/);
  const duration = lock && first ? parseDuration(first) : null;
  const reason = (duration !== null ? rest : [first, ...rest]).join(' ').trim() || null;
  await ctx.services.enforcement.enforce(ctx.group.group_id, lock ? 'lockdown' : 'unlock', { admin_id: actor.actorId, duration, reason, source: 'bot' });
  await ctx.reply(lock ? ctx.t('lockdown_on', { for: forDuration(ctx, duration) }) : ctx.t('lockdown_off'));
});

lockInGroups.command('nightmode', async (ctx) => {
  const group = ctx.group;
  if (!group) return;
  const arg = ctx.match.trim().toLowerCase();
  const { enforcement, groups } = ctx.services;
  if (arg === '') {
    const settings = await groups.getSettings(group.group_id);
    const schedule = settings.night_mode_schedule ? `${settings.night_mode_schedule.start}–${settings.night_mode_schedule.end} (${group.timezone})` : ctx.t('none');
    return ctx.reply(ctx.t('night_status', { state: ctx.t(settings.features_enabled.night_mode ? 'state_on' : 'state_off'), schedule }));
  }
  const actor = await actorFor(ctx, 'can_change_settings');
  if (!actor.allowed) return ctx.reply(ctx.t('not_allowed'));
  const [first, second] = arg.split(/\s+/);
  if (first === 'on' || first === 'off') {
    const duration = first === 'on' && second ? parseDuration(second) : null;
    await enforcement.enforce(group.group_id, first === 'on' ? 'night_mode_on' : 'night_mode_off', { admin_id: actor.actorId, duration, source: 'bot' });
    return ctx.reply(first === 'on' ? ctx.t('night_on', { for: forDuration(ctx, duration) }) : ctx.t('night_off'));
  }
  if (arg === 'schedule off') {
    await groups.updateSettings(group.group_id, { night_mode_schedule: null }, actor.actorId);
    return ctx.reply(ctx.t('night_schedule_cleared'));
  }
  const schedule = SCHEDULE.exec(arg);
  if (!schedule) return ctx.reply(ctx.t('night_usage'));
  const [start, end] = [`${schedule[1]}:${schedule[2]}`, `${schedule[3]}:${schedule[4]}`];
  await groups.updateSettings(group.group_id, { night_mode_schedule: { start, end } }, actor.actorId);
  await ctx.reply(ctx.t('night_schedule_set', { start, end, timezone: group.timezone }));
});

/**
 * The target named by the command, or a reply explaining what is wrong (then null). A sender
 * chat is a target only for `/ban` and `/unban`, and never the group itself (an anonymous admin).
 */
async function targetOf(ctx: BotContext, ref: ReturnType<typeof parseModerationArgs>['target'], command?: MemberCommand): Promise<Target | null> {
  if (!ref) {
    await ctx.reply(ctx.t('usage_target'));
    return null;
  }
  const target = await resolveTarget(ctx, ref);
  if (!target) await ctx.reply(ctx.t('user_unknown', { user: `@${'username' in ref ? ref.username : ''}` }));
  if (!target?.senderChat) return target;
  if (target.id === ctx.chat?.id) await ctx.reply(ctx.t('anonymous_admin_target'));
  else if (command === 'ban' || command === 'unban') return target;
  else await ctx.reply(ctx.t('sender_chat_ban_only', { user: target.name }));
  return null;
}

async function outcome(ctx: BotContext, command: MemberCommand, target: Target, result: EnforcementResult): Promise<string> {
  const reason = result.reason ? ctx.t('reason', { reason: result.reason }) : '';
  let limit: number | string = '∞';
  if (command === 'warn') limit = (await groupWarnLimit(ctx, result.group_id))?.limit ?? '∞';
  let text = ctx.t(`done_${command}` as StringKey, { user: target.name, for: forDuration(ctx, result.duration), reason, count: result.warnings ?? 0, limit });
  if (result.rule_fired) {
    const penalty = result.rule_fired.result;
    const action = ctx.t(`action_${result.rule_fired.penalty}` as StringKey);
    text += `\n${ctx.t('rule_fired', { rule: result.rule_fired.name, action: `${action}${forDuration(ctx, penalty.duration)}`, user: target.name })}`;
  }
  return text;
}

/** One button per action, each showing the member's current state and switching it. */
function userPanel(ctx: BotContext, status: UserStatus, warnLimit: WarnLimit | null): InlineKeyboard {
  const u = status.user_id;
  const toggle = (label: string, on: boolean, enable: PanelAction, disable: PanelAction) =>
    keyboard.text(`${on ? '✅' : '❌'} ${label}`, encodeCallback({ k: 'u', a: on ? disable : enable, u }));
  const keyboard = new InlineKeyboard();
  toggle(ctx.t('btn_mute'), status.is_muted, 'mute', 'unmute');
  toggle(ctx.t('btn_ban'), status.is_banned, 'ban', 'unban').row();
  toggle(ctx.t('btn_restrict'), status.is_restricted, 'restrict', 'unrestrict');
  keyboard.text(ctx.t('btn_kick'), encodeCallback({ k: 'u', a: 'kick', u })).row();
  keyboard.text(ctx.t('btn_warn', { count: status.has_warnings, limit: warnLimit?.limit ?? '∞' }), encodeCallback({ k: 'u', a: 'warn', u }));
  keyboard.text(ctx.t('btn_unwarn'), encodeCallback({ k: 'u', a: 'unwarn', u }));
  return keyboard;
}
