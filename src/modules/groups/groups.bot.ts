import { Composer, InlineKeyboard } from 'grammy';
import type { Chat, User } from 'grammy/types';
import { AppError } from '../../platform/errors.ts';
import { actorFor, forgetChatAdmins } from '../../bot/access.ts';
import { GROUP_FEATURES, encodeCallback, type GroupFeature } from '../../bot/callback-data.ts';
import type { BotContext } from '../../bot/context.ts';
import { fill, langOf } from '../../bot/i18n.ts';
import type { GroupView, SettingsView } from './groups.service.ts';

/**
 * Groups in Telegram: registers a group the first time the bot sees it, follows a group
 * upgraded to a supergroup, remembers users (for @username targets), keeps the admin cache
 * fresh, deletes command messages, greets and sees off members, and the group settings panel.
 */
export const groupsComposer = new Composer<BotContext>();

groupsComposer.on('message:migrate_to_chat_id', (ctx) => migrate(ctx, ctx.chat.id, ctx.msg.migrate_to_chat_id));
groupsComposer.on('message:migrate_from_chat_id', (ctx) => migrate(ctx, ctx.msg.migrate_from_chat_id, ctx.chat.id));

groupsComposer.use(async (ctx, next) => {
  const users = [ctx.from, ctx.msg?.reply_to_message?.from, ...(ctx.msg?.new_chat_members ?? [])].filter((u): u is User => !!u && !u.is_bot);
  for (const user of users) await ctx.services.members.remember(user);
  await next();
});

const inGroups = groupsComposer.chatType(['group', 'supergroup']);

inGroups.use(async (ctx, next) => {
  ctx.group = await registeredGroup(ctx, ctx.chat);
  if (ctx.group) ctx.lang = langOf(ctx.group.language);
  await next();
});

groupsComposer.on(['chat_member', 'my_chat_member'], async (ctx, next) => {
  await forgetChatAdmins(ctx, ctx.chat.id);
  const update = ctx.myChatMember;
  const joined = update && ['left', 'kicked'].includes(update.old_chat_member.status) && ['member', 'administrator'].includes(update.new_chat_member.status);
  if (joined && ctx.group) await ctx.reply(ctx.t('bot_added'));
  await next();
});

/** Command messages are removed after they are handled when the group asks for it. */
inGroups.on('message::bot_command', async (ctx, next) => {
  const isCommand = ctx.msg.entities?.[0]?.type === 'bot_command' && ctx.msg.entities[0].offset === 0;
  if (!ctx.group || !isCommand) return next();
  const settings = await ctx.services.groups.getSettings(ctx.group.group_id);
  if (!settings.features_enabled.auto_delete_commands) return next();
  try {
    await next();
  } finally {
    await ctx.deleteMessage().catch((err: unknown) => ctx.log.debug({ err }, 'command message not deleted'));
  }
});

inGroups.on('message:left_chat_member', async (ctx, next) => {
  const member = ctx.msg.left_chat_member;
  if (!ctx.group || member.is_bot) return next();
  const settings = await ctx.services.groups.getSettings(ctx.group.group_id);
  if (settings.goodbye_message) await ctx.reply(fill(settings.goodbye_message, { first_name: member.first_name, group: ctx.group.name }));
  await next();
});

inGroups.command('settings', async (ctx, next) => {
  if (ctx.match.trim() !== '' || ctx.msg.reply_to_message) return next();
  if (!ctx.group) return;
  if (!(await actorFor(ctx, 'can_change_settings')).allowed) return ctx.reply(ctx.t('not_allowed'));
  const settings = await ctx.services.groups.getSettings(ctx.group.group_id);
  await ctx.reply(ctx.t('panel_group', { group: ctx.group.name }), { reply_markup: groupPanel(ctx, settings) });
});

inGroups.on('callback_query', async (ctx, next) => {
  const data = ctx.callback;
  if (data?.k !== 'g' || !ctx.group) return next();
  const permission = data.f === 'lockdown_enabled' ? 'can_lockdown' : 'can_change_settings';
  const actor = await actorFor(ctx, permission);
  if (!actor.allowed) return ctx.answerCallbackQuery({ text: ctx.t('not_allowed'), show_alert: true });
  const groupId = ctx.group.group_id;
  if (data.f === 'captcha') {
    await ctx.services.groups.updateSettings(groupId, { moderation: { captcha_enabled: data.on } }, actor.actorId);
  } else {
    await ctx.services.enforcement.updateSettings(groupId, { features_enabled: { [data.f]: data.on } }, actor.actorId);
  }
  const settings = await ctx.services.groups.getSettings(groupId);
  await editKeyboard(ctx, groupPanel(ctx, settings));
  await ctx.answerCallbackQuery({ text: ctx.t('done') });
});

/** Replaces a panel's keyboard in place; an unchanged keyboard (a repeated press) is fine. */
export async function editKeyboard(ctx: BotContext, keyboard: InlineKeyboard): Promise<void> {
  try {
    await ctx.editMessageReplyMarkup({ reply_markup: keyboard });
  } catch (err) {
    if (!String((err as Error).message).includes('message is not modified')) throw err;
  }
}

/** Sends the group's welcome message (when it has one), removed later if the group asks for it. */
export async function sendWelcome(ctx: BotContext, member: User): Promise<void> {
  const group = ctx.group!;
  // The one place every welcome goes through (at once, or after the captcha): the welcome switch.
  if (!(await ctx.services.plugins.isEnabled(ctx.botId, 'welcome'))) return;
  const settings = await ctx.services.groups.getSettings(group.group_id);
  if (!settings.welcome_message) return;
  const sent = await ctx.api.sendMessage(group.group_id, fill(settings.welcome_message, { first_name: member.first_name, group: group.name }));
  if (settings.features_enabled.auto_delete_welcome) {
    await ctx.services.bots.deleteMessageLater(ctx.botId, group.group_id, sent.message_id, ctx.deps.config.BOT_WELCOME_TTL_SECONDS);
  }
}

function groupPanel(ctx: BotContext, settings: SettingsView): InlineKeyboard {
  const keyboard = new InlineKeyboard();
  for (const feature of GROUP_FEATURES) {
    const on = featureState(settings, feature);
    keyboard.text(`${on ? '✅' : '❌'} ${ctx.t(`feature_${feature}`)}`, encodeCallback({ k: 'g', f: feature, on: !on })).row();
  }
  return keyboard;
}

function featureState(settings: SettingsView, feature: GroupFeature): boolean {
  return feature === 'captcha' ? settings.moderation.captcha_enabled : settings.features_enabled[feature];
}

/**
 * The tgbase group for a chat this bot runs, registering it on first sight and claiming a
 * group registered without a bot. Undefined for a group another bot runs: not this tenant's.
 */
async function registeredGroup(ctx: BotContext, chat: Chat.GroupChat | Chat.SupergroupChat): Promise<GroupView | undefined> {
  const { groups } = ctx.services;
  let group: GroupView;
  try {
    group = await groups.get(chat.id);
  } catch (err) {
    if (!(err instanceof AppError) || err.status !== 404) throw err;
    try {
      group = await groups.create({ group_id: chat.id, name: chat.title, bot_id: ctx.botId, language: langOf(ctx.from?.language_code) });
      ctx.log.info({ group_id: chat.id }, 'group registered');
    } catch (createError) {
      if (!(createError instanceof AppError) || createError.code !== 'GROUP_EXISTS') throw createError;
      group = await groups.get(chat.id);
    }
  }
  if (group.bot_id === null) group = await groups.update(chat.id, { bot_id: ctx.botId });
  return group.bot_id === ctx.botId ? group : undefined;
}

/** A group upgraded to a supergroup: its rows follow the new chat id. Both service messages arrive; the second finds nothing to move. */
async function migrate(ctx: BotContext, fromChatId: number, toChatId: number): Promise<void> {
  try {
    await ctx.services.groups.migrateChatId(fromChatId, toChatId);
    ctx.log.info({ from: fromChatId, to: toChatId }, 'group migrated');
  } catch (err) {
    if (err instanceof AppError && (err.status === 404 || err.code === 'GROUP_EXISTS')) return;
    throw err;
  }
}
