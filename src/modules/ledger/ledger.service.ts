import type { Db, Executor } from '../../db/client.ts';
import { inTransaction } from '../../db/transaction.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import { bumpStats } from '../analytics/stats.repo.ts';
import { LedgerRepo, type LedgerEntryRow } from './ledger.repo.ts';
import type { LedgerEntryType } from './ledger.tables.ts';

export interface PostInput {
  userId: number;
  /** Credits: positive in, negative out. */
  amount: number;
  type: LedgerEntryType;
  /** Same key, same effect: a retry returns the first entry and moves nothing. */
  idempotencyKey?: string | null;
  reason?: string | null;
  actorId?: number | null;
  meta?: Record<string, unknown>;
}

export interface Posted {
  entry: LedgerEntryRow;
  balance: number;
  /** True when the idempotency key had been used: nothing moved this time. */
  replayed: boolean;
}

export const insufficientCredits = (balance: number, needed: number) =>
  new AppError('INSUFFICIENT_CREDITS', { message: `Insufficient credits: balance ${balance}, needed ${needed}`, status: 402, details: { balance, needed } });

/**
 * The credits ledger. Money moves only through here: each movement is an entry, and the user's
 * balance column changes in the same transaction under the user's row lock, so parallel spends
 * queue and none can overdraw (a CHECK constraint backs this up). A transaction that moves
 * credits and writes other rows locks its users first (`lockUsers`), as src/db/transaction.ts
 * explains.
 *
 * @example
 * await ledger.spend(user.id, 27, 'generation', `generation:${id}`, tx);
 */
export class LedgerService {
  private readonly repo: LedgerRepo;

  constructor(private readonly db: Db) {
    this.repo = new LedgerRepo(db);
  }

  /** Records one movement, in `tx` when given (joining the caller's transaction) or its own. */
  async post(input: PostInput, tx?: Executor): Promise<Posted> {
    if (!Number.isSafeInteger(input.amount) || input.amount === 0) {
      throw new AppError('INVALID_AMOUNT', { message: 'Amount must be a non-zero integer number of credits' });
    }
    const run = async (t: Executor): Promise<Posted> => {
      const [user] = await this.repo.lockUsers([input.userId], t);
      if (!user) throw notFound('user', input.userId);
      const key = input.idempotencyKey ?? null;
      if (key) {
        const existing = await this.repo.findByKey(user.botId, key, t);
        if (existing) {
          if (existing.userId !== input.userId || existing.amount !== input.amount || existing.type !== input.type) {
            throw new AppError('IDEMPOTENCY_KEY_REUSED', { message: `Idempotency key ${key} was used for a different movement`, status: 409 });
          }
          return { entry: existing, balance: user.balance, replayed: true };
        }
      }
      if (user.balance + input.amount < 0) throw insufficientCredits(user.balance, -input.amount);
      const entry = await this.repo.append(
        { botId: user.botId, userId: input.userId, amount: input.amount, type: input.type, idempotencyKey: key, reason: input.reason ?? null, actorId: input.actorId ?? null, meta: input.meta ?? {} },
        t,
      );
      if (input.type === 'generation' && input.amount < 0) {
        await bumpStats(t, user.botId, entry.createdAt, { generations: 1, generation_credits: -input.amount });
      }
      return { entry, balance: entry.balanceAfter, replayed: false };
    };
    return tx ? run(tx) : inTransaction(this.db, run);
  }

  /**
   * Locks the users whose balances the caller's transaction will move, before it writes
   * anything else (the lock order in src/db/transaction.ts). Ids may repeat or be null.
   *
   * @example
   * await inTransaction(db, async (tx) => {
   *   await ledger.lockUsers([payer.id, referrer?.id], tx);
   *   await payments.insert(..., tx);
   *   await ledger.credit(payer.id, 1000, 'deposit', key, tx);
   * });
   */
  async lockUsers(userIds: (number | null | undefined)[], tx: Executor): Promise<void> {
    await this.repo.lockUsers(userIds.filter((id): id is number => typeof id === 'number'), tx);
  }

  /** Takes credits; refused with 402 INSUFFICIENT_CREDITS when the balance would go negative. */
  async spend(userId: number, amount: number, type: LedgerEntryType, idempotencyKey: string | null, tx?: Executor, meta?: Record<string, unknown>): Promise<Posted> {
    if (amount <= 0) throw new AppError('INVALID_AMOUNT', { message: 'A spend takes a positive number of credits' });
    return this.post({ userId, amount: -amount, type, idempotencyKey, meta }, tx);
  }

  /** Adds credits (deposit, referral bonus, refund). */
  async credit(userId: number, amount: number, type: LedgerEntryType, idempotencyKey: string | null, tx?: Executor, meta?: Record<string, unknown>): Promise<Posted> {
    if (amount <= 0) throw new AppError('INVALID_AMOUNT', { message: 'A credit adds a positive number of credits' });
    return this.post({ userId, amount, type, idempotencyKey, meta }, tx);
  }

  async balance(userId: number, tx?: Executor): Promise<number> {
    const balance = await this.repo.balanceOf(userId, tx);
    if (balance === undefined) throw notFound('user', userId);
    return balance;
  }

  /** The ledger's own sum for the user (should always equal `balance`). */
  async ledgerSum(userId: number): Promise<number> {
    return this.repo.sumOf(userId);
  }

  async history(userId: number, limit = 50, offset = 0, type?: LedgerEntryType): Promise<LedgerEntryRow[]> {
    return this.repo.history(userId, limit, offset, type);
  }

  async earnedAs(userId: number, type: LedgerEntryType): Promise<number> {
    return this.repo.sumByType(userId, type);
  }
}
