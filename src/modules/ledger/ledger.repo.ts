import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { dateOf, rowsOf } from '../../db/rows.ts';
import { botUsers } from '../users/users.tables.ts';
import { ledgerEntries, type LedgerEntryType } from './ledger.tables.ts';

export type LedgerEntryRow = typeof ledgerEntries.$inferSelect;

export class LedgerRepo {
  constructor(private readonly db: Executor) {}

  /**
   * Locks the users' rows for the rest of the transaction, in ascending id order; every balance
   * change queues on them. NO KEY UPDATE, not UPDATE: rows referencing the user (payments,
   * generations) take KEY SHARE on it, which UPDATE would wait for (see src/db/transaction.ts).
   */
  async lockUsers(userIds: number[], tx: Executor): Promise<{ id: number; botId: number; balance: number }[]> {
    const ids = [...new Set(userIds)].sort((x, y) => x - y);
    if (ids.length === 0) return [];
    return tx
      .select({ id: botUsers.id, botId: botUsers.botId, balance: botUsers.balance })
      .from(botUsers)
      .where(inArray(botUsers.id, ids))
      .orderBy(asc(botUsers.id))
      .for('no key update');
  }

  async findByKey(botId: number, idempotencyKey: string, tx: Executor = this.db): Promise<LedgerEntryRow | undefined> {
    const [row] = await tx
      .select()
      .from(ledgerEntries)
      .where(and(eq(ledgerEntries.botId, botId), eq(ledgerEntries.idempotencyKey, idempotencyKey)))
      .limit(1);
    return row;
  }

  /** Moves the balance and appends the entry in one statement. */
  async append(
    entry: { botId: number; userId: number; amount: number; type: LedgerEntryType; idempotencyKey: string | null; reason: string | null; actorId: number | null; meta: Record<string, unknown> },
    tx: Executor,
  ): Promise<LedgerEntryRow> {
    const result = await tx.execute(sql`
      with moved as (
        update bot_users set balance = balance + ${entry.amount}, updated_at = now()
        where id = ${entry.userId} returning balance
      )
      insert into ledger_entries (bot_id, user_id, amount, type, balance_after, idempotency_key, reason, actor_id, meta)
      select ${entry.botId}, ${entry.userId}, ${entry.amount}, ${entry.type}, moved.balance, ${entry.idempotencyKey}, ${entry.reason}, ${entry.actorId}, ${JSON.stringify(entry.meta)}::jsonb
      from moved
      returning id, balance_after, created_at`);
    const [row] = rowsOf(result);
    return {
      ...entry,
      id: Number(row.id),
      balanceAfter: Number(row.balance_after),
      createdAt: dateOf(row.created_at),
    };
  }

  async balanceOf(userId: number, tx: Executor = this.db): Promise<number | undefined> {
    const [row] = await tx.select({ balance: botUsers.balance }).from(botUsers).where(eq(botUsers.id, userId));
    return row?.balance;
  }

  /** The sum of the user's entries, to audit the balance column against. */
  async sumOf(userId: number, tx: Executor = this.db): Promise<number> {
    const [row] = await tx.select({ total: sql<number>`coalesce(sum(${ledgerEntries.amount}), 0)::int` }).from(ledgerEntries).where(eq(ledgerEntries.userId, userId));
    return Number(row.total);
  }

  async history(userId: number, limit: number, offset: number, type?: LedgerEntryType, tx: Executor = this.db): Promise<LedgerEntryRow[]> {
    const where = type ? and(eq(ledgerEntries.userId, userId), eq(ledgerEntries.type, type)) : eq(ledgerEntries.userId, userId);
    return tx.select().from(ledgerEntries).where(where).orderBy(desc(ledgerEntries.id)).limit(limit).offset(offset);
  }

  async sumByType(userId: number, type: LedgerEntryType, tx: Executor = this.db): Promise<number> {
    const [row] = await tx
      .select({ total: sql<number>`coalesce(sum(${ledgerEntries.amount}), 0)::int` })
      .from(ledgerEntries)
      .where(and(eq(ledgerEntries.userId, userId), eq(ledgerEntries.type, type)));
    return Number(row.total);
  }
}
