import { pgTable, text } from 'drizzle-orm/pg-core';
import { timestampTz } from '../../db/columns.ts';

/**
 * One-time admin login links already exchanged for a session, by the link's `jti`: each link
 * works once. Rows are useless after the link would have expired anyway and are then deleted.
 */
export const adminLinkRedemptions = pgTable('admin_link_redemptions', {
  jti: text('jti').primaryKey(),
  redeemedAt: timestampTz('redeemed_at').notNull().defaultNow(),
  expiresAt: timestampTz('expires_at').notNull(),
});
