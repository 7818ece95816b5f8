import { jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { telegramId, updatedAt } from '../../db/columns.ts';

/** Seed 004's system_settings: key/value per bot, managed from the admin panel. */
export const systemSettings = pgTable(
  'system_settings',
  {
    botId: telegramId('bot_id').notNull(),
    key: text('key').notNull(),
    value: jsonb('value').$type<unknown>().notNull(),
    updatedBy: telegramId('updated_by'),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.botId, t.key] })],
);
