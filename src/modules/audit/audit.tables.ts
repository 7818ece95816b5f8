import { bigserial, index, integer, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { createdAt, telegramId } from '../../db/columns.ts';

/** The audit trail: every write, who did it, to whom, why and how it ended. */
export const actionLog = pgTable(
  'action_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    groupId: telegramId('group_id').notNull(),
    userId: telegramId('user_id'),
    adminId: telegramId('admin_id'),
    action: text('action').notNull(),
    reason: text('reason'),
    result: text('result').notNull().default('success'),
    error: text('error'),
    source: text('source').notNull().default('api'),
    duration: integer('duration'),
    meta: jsonb('meta').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [
    index('action_log_group_time_idx').on(t.groupId, t.createdAt),
    index('action_log_group_user_idx').on(t.groupId, t.userId, t.createdAt),
    index('action_log_time_idx').on(t.createdAt),
  ],
);
