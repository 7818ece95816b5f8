/*
 * Lock order: the one rule every transaction that moves credits follows, so concurrent ones
 * (payments, debits, generation submissions and failures, refunds, admin adjustments, on any
 * number of instances) queue instead of deadlocking:
 *
 * 1. First, before writing anything, lock the `bot_users` rows whose balance will change, all
 *    at once, in ascending id order, `FOR NO KEY UPDATE` (`LedgerService.lockUsers`).
 * 2. Then insert or lock the operation's own rows (payment, generation, trial use, entries).
 * 3. Statistics buckets last (`bumpStats`).
 *
 * Why: inserting a row that references a user (a payment, a generation, a trial use) takes a
 * KEY SHARE lock on the user's row. The ledger then asked for FOR UPDATE on the same row, which
 * conflicts with KEY SHARE: two such transactions each waited for the other's share lock
 * ("deadlock detected"). FOR NO KEY UPDATE, the lock an UPDATE of the balance takes anyway,
 * does not conflict with KEY SHARE, and taking it first means no transaction holds part of what
 * another is waiting for.
 *
 * Whatever still conflicts (a deadlock PostgreSQL detects, a serialization failure) is retried
 * by `inTransaction`.
 */
import type { Db, Tx } from './client.ts';
import { sqlStateOf } from './rows.ts';

/** Attempts at one transaction before a deadlock or serialization failure is given up on. */
const MAX_ATTEMPTS = 5;

/** SQLSTATEs of a transaction PostgreSQL aborted only because of a concurrent one: running it again can succeed. */
const RETRYABLE = new Set(['40P01', '40001']);

/** A deadlock (40P01) or serialization failure (40001). */
export function isTransactionConflict(err: unknown): boolean {
  return RETRYABLE.has(sqlStateOf(err) ?? '');
}

/**
 * Runs `work` in a transaction and runs it again (up to 5 times, after a short random pause)
 * when PostgreSQL aborts it for a deadlock or a serialization failure. `work` must therefore
 * have no effect outside the transaction before its last statement; enqueue jobs and send
 * messages after it returns. Every money path goes through here and follows the lock order at the top of this file.
 *
 * @example
 * const entry = await inTransaction(db, async (tx) => {
 *   await ledger.lockUsers([user.id], tx);
 *   return ledger.credit(user.id, 1000, 'deposit', `payment:${charge}`, tx);
 * });
 */
export async function inTransaction<T>(db: Db, work: (tx: Tx) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(work);
    } catch (err) {
      if (attempt >= MAX_ATTEMPTS || !isTransactionConflict(err)) throw err;
      // Random, growing pauses keep the transactions that collided from colliding again in step.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
    }
  }
}
