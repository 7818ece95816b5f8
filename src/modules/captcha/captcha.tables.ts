import { integer, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { createdAt, telegramId, timestampTz, updatedAt } from '../../db/columns.ts';
import { groups } from '../groups/groups.tables.ts';

/**
 * One new-member captcha per (group, user): `pending` until the user presses the button
 * (`solved`) or the timeout job finds it still pending (`expired`, the user is kicked).
 * Both ends move the row out of `pending` with a conditional update, so a press racing
 * the timeout has exactly one winner.
 */
export const captchaChallenges = pgTable(
  'captcha_challenges',
  {
    groupId: telegramId('group_id')
      .notNull()
      .references(() => groups.groupId, { onDelete: 'cascade', onUpdate: 'cascade' }),
    userId: telegramId('user_id').notNull(),
    botId: telegramId('bot_id'),
    messageId: integer('message_id'),
    status: text('status').$type<'pending' | 'solved' | 'expired'>().notNull(),
    expiresAt: timestampTz('expires_at').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.groupId, t.userId] })],
);
