import { sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';

export type StatsCounter =
  | 'registrations'
  | 'payments'
  | 'revenue'
  | 'refunds'
  | 'trials'
  | 'keys'
  | 'renewals'
  | 'subscriptions'
  | 'generations'
  | 'generation_credits';

export type StatsDelta = Partial<Record<StatsCounter, number>>;

const COUNTERS: StatsCounter[] = ['registrations', 'payments', 'revenue', 'refunds', 'trials', 'keys', 'renewals', 'subscriptions', 'generations', 'generation_credits'];

/** The 15-minute bucket a moment falls in (see stats_buckets). */
export const BUCKET = sql.raw(`interval '15 minutes'`);
export const BUCKET_ORIGIN = sql.raw(`timestamptz '2000-01-01 00:00:00+00'`);

/**
 * Adds to a bot's counters in the bucket of `at`. Call it last in the transaction that records
 * the event: every writer takes row locks in the same order (users, then the bucket), so
 * concurrent writers queue instead of deadlocking.
 */
export async function bumpStats(tx: Executor, botId: number, at: Date, delta: StatsDelta): Promise<void> {
  const used = COUNTERS.filter((c) => delta[c]);
  if (used.length === 0) return;
  const columns = sql.join(used.map((c) => sql.identifier(c)), sql`, `);
  const values = sql.join(used.map((c) => sql`${delta[c]}`), sql`, `);
  const updates = sql.join(used.map((c) => sql`${sql.identifier(c)} = stats_buckets.${sql.identifier(c)} + excluded.${sql.identifier(c)}`), sql`, `);
  await tx.execute(sql`
    insert into stats_buckets (bot_id, bucket_start, ${columns})
    values (${botId}, date_bin(${BUCKET}, ${at.toISOString()}::timestamptz, ${BUCKET_ORIGIN}), ${values})
    on conflict (bot_id, bucket_start) do update set ${updates}`);
}
