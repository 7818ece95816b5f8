import { boolean, index, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { createdAt, telegramId, timestampTz, updatedAt } from '../../db/columns.ts';

export const groups = pgTable(
  'groups',
  {
    groupId: telegramId('group_id').primaryKey(),
    botId: telegramId('bot_id'),
    name: text('name').notNull(),
    description: text('description'),
    language: text('language').notNull().default('en'),
    timezone: text('timezone').notNull().default('UTC'),
    isActive: boolean('is_active').notNull().default(true),
    meta: jsonb('meta').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('groups_bot_idx').on(t.botId)],
);

export interface ModerationSettings {
  warn_limit: number;
  warn_action: 'mute' | 'ban' | 'kick';
  warn_action_duration: number | null;
  flood_messages: number;
  flood_window_seconds: number;
  flood_action: 'mute' | 'ban' | 'kick' | 'warn';
  captcha_enabled: boolean;
  captcha_timeout_seconds: number;
}

export interface LoggingSettings {
  enabled: boolean;
  log_channel_id: number | null;
}

export interface NightModeSchedule {
  start: string;
  end: string;
}

export const groupSettings = pgTable('group_settings', {
  groupId: telegramId('group_id')
    .primaryKey()
    .references(() => groups.groupId, { onDelete: 'cascade', onUpdate: 'cascade' }),
  welcomeMessage: text('welcome_message'),
  goodbyeMessage: text('goodbye_message'),
  autoDeleteCommands: boolean('auto_delete_commands').notNull().default(false),
  autoDeleteWelcome: boolean('auto_delete_welcome').notNull().default(false),
  logging: jsonb('logging').$type<LoggingSettings>().notNull(),
  moderation: jsonb('moderation').$type<ModerationSettings>().notNull(),
  nightModeSchedule: jsonb('night_mode_schedule').$type<NightModeSchedule | null>(),
  customSettings: jsonb('custom_settings').$type<Record<string, unknown>>().notNull().default({}),
  /** Chat-wide states set by enforcement; in force while true and not past their `until`. */
  lockdown: boolean('lockdown').notNull().default(false),
  lockdownUntil: timestampTz('lockdown_until'),
  nightMode: boolean('night_mode').notNull().default(false),
  nightModeUntil: timestampTz('night_mode_until'),
  /** The chat's permissions before a lockdown or night mode, restored when both have ended. */
  savedPermissions: jsonb('saved_permissions').$type<Record<string, boolean> | null>(),
  updatedAt: updatedAt(),
});
