import { boolean, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { telegramId, updatedAt } from '../../db/columns.ts';
import { bots } from '../bots/bots.tables.ts';

/** Per-bot overrides of a plugin's default state; no row means the default applies. */
export const botPlugins = pgTable(
  'bot_plugins',
  {
    botId: telegramId('bot_id')
      .notNull()
      .references(() => bots.botId, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    enabled: boolean('enabled').notNull(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.botId, t.name] })],
);
