import { bigserial, boolean, index, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { createdAt, telegramId, timestampTz, updatedAt } from '../../db/columns.ts';
import { groups } from '../groups/groups.tables.ts';

/**
 * Per-user states in force (mute, ban, restrict): one row per (group, user, kind). A row counts
 * while `active` and not past `expiresAt`, so expiry needs no job; the sweeper only writes the
 * `expired` entry into the action log.
 */
export const userActions = pgTable(
  'user_actions',
  {
    groupId: telegramId('group_id')
      .notNull()
      .references(() => groups.groupId, { onDelete: 'cascade', onUpdate: 'cascade' }),
    userId: telegramId('user_id').notNull(),
    kind: text('kind').notNull(),
    active: boolean('active').notNull(),
    expiresAt: timestampTz('expires_at'),
    reason: text('reason'),
    adminId: telegramId('admin_id'),
    /** Set once the expiry has been written to the action log. */
    expiryLogged: boolean('expiry_logged').notNull().default(false),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.groupId, t.userId, t.kind] }), index('user_actions_expiry_idx').on(t.expiresAt)],
);

export const warnings = pgTable(
  'warnings',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    groupId: telegramId('group_id')
      .notNull()
      .references(() => groups.groupId, { onDelete: 'cascade', onUpdate: 'cascade' }),
    userId: telegramId('user_id').notNull(),
    adminId: telegramId('admin_id'),
    reason: text('reason'),
    createdAt: createdAt(),
    revokedAt: timestampTz('revoked_at'),
  },
  (t) => [index('warnings_group_user_idx').on(t.groupId, t.userId)],
);
