/**
 * Every string the bot sends, in English and Russian. A group speaks its `language`; a private
 * chat the user's. `{name}` placeholders are filled by `translate`.
 */
const en = {
  help: [
    'Moderation commands (reply to a message, or give @username or id):',
    '/mute [10m|2h|3d] [reason], /unmute',
    '/ban [duration] [reason], /unban, /kick [reason]',
    '/warn [reason], /unwarn, /warns',
    '/settings — group settings; /settings @user — admin panel for a user',
    '/lockdown [duration], /unlock',
    '/nightmode [on|off|22:00-07:00|schedule off]',
    '/rules, /roles, /help',
  ].join('\n'),
  not_allowed: '⛔ You are not allowed to do that.',
  groups_only: 'This command works in groups only.',
  usage_target: 'Reply to a message, or give @username or a user id. Example: /mute @user 10m spam',
  user_unknown: "I don't know {user} yet: reply to one of their messages or use their numeric id.",
  sender_chat_ban_only: '{user} writes as a chat: only /ban and /unban apply to it.',
  anonymous_admin_target: 'That message is from an anonymous administrator of this group: there is nobody to act on.',
  done_mute: '🔇 {user} muted{for}.{reason}',
  done_unmute: '🔊 {user} unmuted.',
  done_ban: '🚫 {user} banned{for}.{reason}',
  done_unban: '✅ {user} unbanned.',
  done_kick: '👢 {user} kicked.{reason}',
  done_warn: '⚠️ {user} warned ({count}/{limit}).{reason}',
  done_unwarn: '↩️ One warning removed from {user} ({count} left).',
  done_restrict: '✋ {user} restricted to text{for}.{reason}',
  done_unrestrict: '👐 {user} unrestricted.',
  rule_fired: '⚖️ {rule}: {action} for {user}.',
  warns: '{user} has {count} active warning(s); {limit} earn a {action}.',
  warns_no_limit: '{user} has {count} active warning(s).',
  for_duration: ' for {duration}',
  reason: ' Reason: {reason}',
  panel_user: 'Admin panel for {user}. Buttons show the current state; press one to change it.',
  panel_group: 'Settings of {group}. Press a button to switch it.',
  btn_mute: 'Mute',
  btn_ban: 'Ban',
  btn_restrict: 'Restrict',
  btn_kick: '👢 Kick',
  btn_warn: '⚠️ Warn ({count}/{limit})',
  btn_unwarn: '↩️ Unwarn',
  feature_auto_delete_commands: 'Auto-delete commands',
  feature_auto_delete_welcome: 'Auto-delete welcome',
  feature_night_mode: 'Night mode',
  feature_lockdown_enabled: 'Lockdown',
  feature_captcha: 'Captcha for newcomers',
  done: 'Done',
  lockdown_on: '🔒 Lockdown: members cannot write{for}.',
  lockdown_off: '🔓 Lockdown lifted.',
  night_on: '🌙 Night mode on{for}.',
  night_off: '☀️ Night mode off.',
  night_status: 'Night mode is {state}. Schedule: {schedule}.',
  night_schedule_set: '🌙 Night mode every night {start}–{end} ({timezone}).',
  night_schedule_cleared: 'Night mode schedule removed.',
  night_usage: 'Usage: /nightmode on | off | 22:00-07:00 | schedule off',
  none: 'none',
  state_on: 'on',
  state_off: 'off',
  rules_none: 'No rules. {limit} warnings earn a {action}.',
  rules_warn_limit: '{limit} warnings earn a {action}.',
  rules_header: 'Rules of {group}:',
  rule_line: '{n}. {name}: {trigger} → {action}',
  roles_none: 'No roles in this group yet; chat administrators may use every command.',
  roles_header: 'Roles of {group}:',
  role_line: '• {name} (priority {priority}, {members} member(s)): {permissions}',
  your_role: 'Your role: {role}',
  captcha_prompt: '{first_name}, press the button within {seconds} s to show you are human, or you will be removed.',
  captcha_button: "✅ I'm human",
  captcha_not_yours: 'This button is for the newcomer.',
  captcha_solved: 'Welcome!',
  flood: '🌊 {user} is sending too many messages: {action}.',
  bot_added: "Hi! I moderate this group. Make me an administrator, then see /help.",
  error: '⚠️ Something went wrong, please try again.',
  refused: '⚠️ {message}',
  payments_off: 'Payments are switched off for now.',
  unknown_button: 'This button is no longer active.',
  unit_s: '{n} s',
  unit_m: '{n} min',
  unit_h: '{n} h',
  unit_d: '{n} d',
  action_mute: 'mute',
  action_ban: 'ban',
  action_kick: 'kick',
  action_warn: 'warning',
  action_restrict: 'restriction',
  action_delete: 'message deleted',
} as const;

export type StringKey = keyof typeof en;

const ru: Record<StringKey, string> = {
  help: [
    'Команды модерации (ответом на сообщение, либо @username или id):',
    '/mute [10m|2h|3d] [причина], /unmute',
    '/ban [срок] [причина], /unban, /kick [причина]',
    '/warn [причина], /unwarn, /warns',
    '/settings — настройки группы; /settings @user — панель для пользователя',
    '/lockdown [срок], /unlock',
    '/nightmode [on|off|22:00-07:00|schedule off]',
    '/rules, /roles, /help',
  ].join('\n'),
  not_allowed: '⛔ У вас нет прав на это.',
  groups_only: 'Эта команда работает только в группах.',
  usage_target: 'Ответьте на сообщение или укажите @username или id. Пример: /mute @user 10m спам',
  user_unknown: 'Я ещё не знаю {user}: ответьте на его сообщение или укажите числовой id.',
  sender_chat_ban_only: '{user} пишет от имени чата: к нему применимы только /ban и /unban.',
  anonymous_admin_target: 'Это сообщение анонимного администратора группы: действовать не на кого.',
  done_mute: '🔇 {user} без права писать{for}.{reason}',
  done_unmute: '🔊 {user} снова может писать.',
  done_ban: '🚫 {user} забанен{for}.{reason}',
  done_unban: '✅ {user} разбанен.',
  done_kick: '👢 {user} исключён.{reason}',
  done_warn: '⚠️ {user} получил предупреждение ({count}/{limit}).{reason}',
  done_unwarn: '↩️ С {user} снято одно предупреждение (осталось {count}).',
  done_restrict: '✋ {user} может писать только текст{for}.{reason}',
  done_unrestrict: '👐 С {user} сняты ограничения.',
  rule_fired: '⚖️ {rule}: {action} для {user}.',
  warns: 'У {user} активных предупреждений: {count}; за {limit} — {action}.',
  warns_no_limit: 'У {user} активных предупреждений: {count}.',
  for_duration: ' на {duration}',
  reason: ' Причина: {reason}',
  panel_user: 'Панель для {user}. Кнопки показывают текущее состояние; нажмите, чтобы изменить.',
  panel_group: 'Настройки {group}. Нажмите кнопку, чтобы переключить.',
  btn_mute: 'Мут',
  btn_ban: 'Бан',
  btn_restrict: 'Ограничение',
  btn_kick: '👢 Исключить',
  btn_warn: '⚠️ Предупредить ({count}/{limit})',
  btn_unwarn: '↩️ Снять предупреждение',
  feature_auto_delete_commands: 'Удалять команды',
  feature_auto_delete_welcome: 'Удалять приветствие',
  feature_night_mode: 'Ночной режим',
  feature_lockdown_enabled: 'Локдаун',
  feature_captcha: 'Капча для новичков',
  done: 'Готово',
  lockdown_on: '🔒 Локдаун: участники не могут писать{for}.',
  lockdown_off: '🔓 Локдаун снят.',
  night_on: '🌙 Ночной режим включён{for}.',
  night_off: '☀️ Ночной режим выключен.',
  night_status: 'Ночной режим {state}. Расписание: {schedule}.',
  night_schedule_set: '🌙 Ночной режим каждую ночь {start}–{end} ({timezone}).',
  night_schedule_cleared: 'Расписание ночного режима удалено.',
  night_usage: 'Использование: /nightmode on | off | 22:00-07:00 | schedule off',
  none: 'нет',
  state_on: 'включён',
  state_off: 'выключен',
  rules_none: 'Правил нет. За {limit} предупреждения — {action}.',
  rules_warn_limit: 'За {limit} предупреждения — {action}.',
  rules_header: 'Правила {group}:',
  rule_line: '{n}. {name}: {trigger} → {action}',
  roles_none: 'Ролей в группе пока нет; администраторы чата могут использовать все команды.',
  roles_header: 'Роли {group}:',
  role_line: '• {name} (приоритет {priority}, участников: {members}): {permissions}',
  your_role: 'Ваша роль: {role}',
  captcha_prompt: '{first_name}, нажмите кнопку в течение {seconds} с, чтобы подтвердить, что вы человек, иначе вас исключат.',
  captcha_button: '✅ Я человек',
  captcha_not_yours: 'Эта кнопка для новичка.',
  captcha_solved: 'Добро пожаловать!',
  flood: '🌊 {user} пишет слишком часто: {action}.',
  bot_added: 'Привет! Я модерирую эту группу. Сделайте меня администратором и смотрите /help.',
  error: '⚠️ Что-то пошло не так, попробуйте ещё раз.',
  refused: '⚠️ {message}',
  payments_off: 'Платежи сейчас отключены.',
  unknown_button: 'Эта кнопка больше не действует.',
  unit_s: '{n} с',
  unit_m: '{n} мин',
  unit_h: '{n} ч',
  unit_d: '{n} д',
  action_mute: 'мут',
  action_ban: 'бан',
  action_kick: 'исключение',
  action_warn: 'предупреждение',
  action_restrict: 'ограничение',
  action_delete: 'сообщение удалено',
};

export const LANGUAGES = { en, ru } as const;
export type Lang = keyof typeof LANGUAGES;

export type Params = Record<string, string | number>;

/** Fills `{name}` placeholders; unknown placeholders are left as they are. */
export function fill(template: string, params: Params = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

export function translate(lang: Lang, key: StringKey, params?: Params): string {
  return fill(LANGUAGES[lang][key], params);
}

/** The supported language for a Telegram language code or a group's language ('ru-RU' → 'ru'). */
export function langOf(code: string | null | undefined): Lang {
  const base = code?.slice(0, 2).toLowerCase();
  return base && base in LANGUAGES ? (base as Lang) : 'en';
}

/** A duration in its largest whole unit: 600 → "10 min". */
export function formatDuration(lang: Lang, seconds: number): string {
  if (seconds % 86_400 === 0) return translate(lang, 'unit_d', { n: seconds / 86_400 });
  if (seconds % 3600 === 0) return translate(lang, 'unit_h', { n: seconds / 3600 });
  if (seconds % 60 === 0) return translate(lang, 'unit_m', { n: seconds / 60 });
  return translate(lang, 'unit_s', { n: seconds });
}

/** " for 10 min" when timed, "" when permanent, in the context's language. */
export function forDuration(ctx: { lang: Lang }, seconds: number | null): string {
  return seconds ? translate(ctx.lang, 'for_duration', { duration: formatDuration(ctx.lang, seconds) }) : '';
}
