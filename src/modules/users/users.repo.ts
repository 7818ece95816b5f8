import { and, count, desc, eq, gte, ilike, or, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { ledgerEntries } from '../ledger/ledger.tables.ts';
import { botUsers, trialUses } from './users.tables.ts';

export type BotUserRow = typeof botUsers.$inferSelect;
export type TrialUseRow = typeof trialUses.$inferSelect;

export type UserFilter = 'all' | 'banned' | 'active_7d' | 'active_30d' | 'paying' | 'with_balance' | 'referred' | 'new_7d';

export class UsersRepo {
  constructor(private readonly db: Executor) {}

  async find(botId: number, telegramId: number, tx: Executor = this.db): Promise<BotUserRow | undefined> {
    const [row] = await tx.select().from(botUsers).where(and(eq(botUsers.botId, botId), eq(botUsers.telegramId, telegramId))).limit(1);
    return row;
  }

  async findById(id: number, tx: Executor = this.db): Promise<BotUserRow | undefined> {
    const [row] = await tx.select().from(botUsers).where(eq(botUsers.id, id)).limit(1);
    return row;
  }

  async findByReferralCode(botId: number, code: string, tx: Executor = this.db): Promise<BotUserRow | undefined> {
    const [row] = await tx.select().from(botUsers).where(and(eq(botUsers.botId, botId), eq(botUsers.referralCode, code))).limit(1);
    return row;
  }

  /** Inserts unless the user exists (a concurrent sync won): then undefined. */
  async insert(row: typeof botUsers.$inferInsert, tx: Executor): Promise<BotUserRow | undefined> {
    const [saved] = await tx.insert(botUsers).values(row).onConflictDoNothing({ target: [botUsers.botId, botUsers.telegramId] }).returning();
    return saved;
  }

  async update(id: number, patch: Partial<typeof botUsers.$inferInsert>, tx: Executor = this.db): Promise<BotUserRow | undefined> {
    const [row] = await tx.update(botUsers).set({ ...patch, updatedAt: new Date() }).where(eq(botUsers.id, id)).returning();
    return row;
  }

  async trialOf(userId: number, kind: string, tx: Executor = this.db): Promise<TrialUseRow | undefined> {
    const [row] = await tx.select().from(trialUses).where(and(eq(trialUses.userId, userId), eq(trialUses.kind, kind))).limit(1);
    return row;
  }

  async insertTrial(row: typeof trialUses.$inferInsert, tx: Executor): Promise<TrialUseRow | undefined> {
    const [saved] = await tx.insert(trialUses).values(row).onConflictDoNothing().returning();
    return saved;
  }

  /** Deletes the trial of `kind` whose meta contains `usedFor`; the deleted row, if there was one. */
  async deleteTrial(userId: number, kind: string, usedFor: Record<string, unknown>, tx: Executor): Promise<TrialUseRow | undefined> {
    const [row] = await tx
      .delete(trialUses)
      .where(and(eq(trialUses.userId, userId), eq(trialUses.kind, kind), sql`${trialUses.meta} @> ${JSON.stringify(usedFor)}::jsonb`))
      .returning();
    return row;
  }

  async referralsOf(userId: number, limit: number, tx: Executor = this.db) {
    const [items, [{ total }]] = await Promise.all([
      tx
        .select({ telegramId: botUsers.telegramId, username: botUsers.username, firstName: botUsers.firstName, createdAt: botUsers.createdAt })
        .from(botUsers)
        .where(eq(botUsers.referrerId, userId))
        .orderBy(desc(botUsers.createdAt))
        .limit(limit),
      tx.select({ total: count() }).from(botUsers).where(eq(botUsers.referrerId, userId)),
    ]);
    return { items, total };
  }

  private filterSql(botId: number, filter: UserFilter): SQL | undefined {
    const day = 86_400_000;
    const own = eq(botUsers.botId, botId);
    switch (filter) {
      case 'all':
        return own;
      case 'banned':
        return and(own, eq(botUsers.isBanned, true));
      case 'active_7d':
        return and(own, gte(botUsers.lastSeenAt, new Date(Date.now() - 7 * day)));
      case 'active_30d':
        return and(own, gte(botUsers.lastSeenAt, new Date(Date.now() - 30 * day)));
      case 'new_7d':
        return and(own, gte(botUsers.createdAt, new Date(Date.now() - 7 * day)));
      case 'with_balance':
        return and(own, sql`${botUsers.balance} > 0`);
      case 'referred':
        return and(own, sql`${botUsers.referrerId} is not null`);
      case 'paying':
        return and(own, sql`exists (select 1 from ${ledgerEntries} le where le.user_id = ${botUsers.id} and le.type = 'deposit')`);
    }
  }

  async countBy(botId: number, filter: UserFilter, tx: Executor = this.db): Promise<number> {
    const [{ total }] = await tx.select({ total: count() }).from(botUsers).where(this.filterSql(botId, filter));
    return total;
  }

  /** Admin search: an exact telegram id or referral code, a username fragment, or everyone (newest first). */
  async search(botId: number, query: string, limit: number, offset: number, tx: Executor = this.db) {
    const own = eq(botUsers.botId, botId);
    let where: SQL | undefined = own;
    const q = query.trim();
    if (q) {
      const parts: SQL[] = [eq(botUsers.referralCode, q), ilike(botUsers.username, `%${q.replace(/^@/, '').replace(/[%_\\]/g, '\\$&')}%`)];
      if (/^\d{1,16}$/.test(q)) parts.push(eq(botUsers.telegramId, Number(q)));
      where = and(own, or(...parts));
    }
    const [items, [{ total }]] = await Promise.all([
      tx.select().from(botUsers).where(where).orderBy(desc(botUsers.createdAt), desc(botUsers.id)).limit(limit).offset(offset),
      tx.select({ total: count() }).from(botUsers).where(where),
    ]);
    return { items, total };
  }

  /** Newest first. The caller takes the total from the stats buckets: counting a million rows costs ~50 ms. */
  async page(botId: number, limit: number, offset: number, tx: Executor = this.db): Promise<BotUserRow[]> {
    return tx.select().from(botUsers).where(eq(botUsers.botId, botId)).orderBy(desc(botUsers.createdAt), desc(botUsers.id)).limit(limit).offset(offset);
  }
}
