import { index, pgTable, text } from 'drizzle-orm/pg-core';
import { telegramId, updatedAt } from '../../db/columns.ts';

/**
 * Telegram users the bots have seen, so `/ban @username` works: the Bot API cannot look a user
 * up by username. Usernames are stored lower-cased (Telegram treats them case-insensitively).
 */
export const knownUsers = pgTable(
  'known_users',
  {
    userId: telegramId('user_id').primaryKey(),
    username: text('username'),
    firstName: text('first_name').notNull(),
    languageCode: text('language_code'),
    updatedAt: updatedAt(),
  },
  (t) => [index('known_users_username_idx').on(t.username)],
);
