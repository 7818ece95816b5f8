import { bigint, integer, pgTable, primaryKey } from 'drizzle-orm/pg-core';
import { telegramId, timestampTz } from '../../db/columns.ts';

/**
 * Per-bot counters in 15-minute buckets, written in the same transaction as the events they
 * count. Every real time zone offset is a multiple of 15 minutes, so days in any zone are exact
 * sums of buckets, and a 90-day chart reads ~8,640 rows instead of millions.
 */
export const statsBuckets = pgTable(
  'stats_buckets',
  {
    botId: telegramId('bot_id').notNull(),
    bucketStart: timestampTz('bucket_start').notNull(),
    registrations: integer('registrations').notNull().default(0),
    payments: integer('payments').notNull().default(0),
    /** Stars of PAID payments (refunds subtract in the payment's own bucket). */
    revenue: bigint('revenue', { mode: 'number' }).notNull().default(0),
    refunds: integer('refunds').notNull().default(0),
    trials: integer('trials').notNull().default(0),
    keys: integer('keys').notNull().default(0),
    renewals: integer('renewals').notNull().default(0),
    subscriptions: integer('subscriptions').notNull().default(0),
    /** Credits spent on generations, and how many generation spends. */
    generations: integer('generations').notNull().default(0),
    generationCredits: bigint('generation_credits', { mode: 'number' }).notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.botId, t.bucketStart] })],
);
