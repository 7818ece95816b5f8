import { bigint, bigserial, index, integer, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, telegramId } from '../../db/columns.ts';
import { botUsers } from '../users/users.tables.ts';

export const LEDGER_ENTRY_TYPES = ['deposit', 'generation', 'admin_adjustment', 'referral_bonus', 'refund'] as const;
export type LedgerEntryType = (typeof LEDGER_ENTRY_TYPES)[number];

/** Every credit movement (seed 004's ledger_entries): the balance is their sum. Append-only. */
export const ledgerEntries = pgTable(
  'ledger_entries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    botId: telegramId('bot_id').notNull(),
    userId: bigint('user_id', { mode: 'number' })
      .notNull()
      .references(() => botUsers.id, { onDelete: 'cascade' }),
    /** Credits, positive (in) or negative (out). */
    amount: integer('amount').notNull(),
    type: text('type').$type<LedgerEntryType>().notNull(),
    /** Balance right after this entry: a statement needs no window sum. */
    balanceAfter: integer('balance_after').notNull(),
    /** Retried writes (payments, jobs, callbacks) carry the same key and land once. */
    idempotencyKey: text('idempotency_key'),
    reason: text('reason'),
    /** Telegram id of the admin behind an admin_adjustment. */
    actorId: telegramId('actor_id'),
    meta: jsonb('meta').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('ledger_entries_bot_idempotency_uq').on(t.botId, t.idempotencyKey),
    index('ledger_entries_user_created_idx').on(t.userId, t.createdAt),
    index('ledger_entries_bot_type_created_idx').on(t.botId, t.type, t.createdAt),
  ],
);
