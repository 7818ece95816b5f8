import { pgTable, text } from 'drizzle-orm/pg-core';
import { timestampTz } from '../../db/columns.ts';

/** initData already exchanged for a JWT: a captured login cannot be replayed while still fresh. */
export const loginReplays = pgTable('login_replays', {
  hash: text('hash').primaryKey(),
  expiresAt: timestampTz('expires_at').notNull(),
});
