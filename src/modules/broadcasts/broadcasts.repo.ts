import { and, count, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { rowsOf } from '../../db/rows.ts';
import { botBlocks, broadcastRecipients, broadcasts, type BroadcastFilter, type RecipientState } from './broadcasts.tables.ts';

export type BroadcastRow = typeof broadcasts.$inferSelect;

export interface RecipientResult {
  telegramId: number;
  state: Exclude<RecipientState, 'claimed' | 'sending'>;
  messageId: number | null;
  error: string | null;
}

export class BroadcastsRepo {
  constructor(private readonly db: Executor) {}

  async insert(row: typeof broadcasts.$inferInsert, tx: Executor = this.db): Promise<BroadcastRow> {
    const [saved] = await tx.insert(broadcasts).values(row).returning();
    return saved;
  }

  async findByPublicId(botId: number, publicId: string, tx: Executor = this.db): Promise<BroadcastRow | undefined> {
    const [row] = await tx.select().from(broadcasts).where(and(eq(broadcasts.botId, botId), eq(broadcasts.publicId, publicId))).limit(1);
    return row;
  }

  async find(id: number, tx: Executor = this.db): Promise<BroadcastRow | undefined> {
    const [row] = await tx.select().from(broadcasts).where(eq(broadcasts.id, id)).limit(1);
    return row;
  }

  async statusOf(id: number, tx: Executor = this.db): Promise<string | undefined> {
    const [row] = await tx.select({ status: broadcasts.status }).from(broadcasts).where(eq(broadcasts.id, id));
    return row?.status;
  }

  async list(botId: number, limit: number, offset: number, tx: Executor = this.db) {
    const where = eq(broadcasts.botId, botId);
    const [items, [{ total }]] = await Promise.all([
      tx.select().from(broadcasts).where(where).orderBy(desc(broadcasts.createdAt), desc(broadcasts.id)).limit(limit).offset(offset),
      tx.select({ total: count() }).from(broadcasts).where(where),
    ]);
    return { items, total };
  }

  /** Moves a broadcast between statuses if it is in one of `from`; undefined when it was not. */
  async transition(id: number, from: string[], patch: Partial<typeof broadcasts.$inferInsert>, tx: Executor = this.db): Promise<BroadcastRow | undefined> {
    const [row] = await tx
      .update(broadcasts)
      .set({ ...patch, updatedAt: new Date() })
      .where(and(eq(broadcasts.id, id), inArray(broadcasts.status, from as BroadcastRow['status'][])))
      .returning();
    return row;
  }

  /**
   * Writes one recipient row per bot user matching the filter (skipping banned users and users
   * who blocked the bot), in the database, so 100,000 users never pass through the process.
   * Reads bot_users and ledger_entries of the same tenant.
   */
  async materializeRecipients(broadcastId: number, botId: number, filter: BroadcastFilter, tx: Executor): Promise<number> {
    const conditions = [sql`u.bot_id = ${botId}`, sql`not u.is_banned`, sql`not exists (select 1 from bot_blocks b where b.bot_id = u.bot_id and b.telegram_id = u.telegram_id)`];
    if (filter.language) conditions.push(sql`lower(coalesce(u.language_code, '')) like ${`${filter.language.toLowerCase()}%`}`);
    if (filter.type === 'active') conditions.push(sql`u.last_seen_at >= now() - make_interval(days => ${filter.active_days ?? 30})`);
    if (filter.type === 'paid') conditions.push(sql`exists (select 1 from ledger_entries le where le.user_id = u.id and le.type = 'deposit')`);
    const result = await tx.execute(sql`
      insert into broadcast_recipients (broadcast_id, telegram_id)
      select ${broadcastId}, u.telegram_id from bot_users u where ${sql.join(conditions, sql` and `)}
      on conflict do nothing
      returning telegram_id`);
    return rowsOf(result).length;
  }

  /** Claims up to `limit` pending recipients for this worker; concurrent workers get disjoint rows. */
  async claim(broadcastId: number, limit: number, tx: Executor = this.db): Promise<number[]> {
    const result = await tx.execute(sql`
      update broadcast_recipients r set state = 'claimed', claimed_at = now()
      where r.broadcast_id = ${broadcastId} and r.telegram_id in (
        select telegram_id from broadcast_recipients
        where broadcast_id = ${broadcastId} and state = 'pending'
        order by telegram_id
        limit ${limit}
        for update skip locked)
      returning r.telegram_id`);
    return rowsOf(result).map((r) => Number(r.telegram_id));
  }

  /** Claimed recipients whose sends are about to start: from here on a crash leaves them in doubt. */
  async markAttempted(broadcastId: number, telegramIds: number[], tx: Executor = this.db): Promise<void> {
    await tx
      .update(broadcastRecipients)
      .set({ state: 'sending' })
      .where(and(eq(broadcastRecipients.broadcastId, broadcastId), inArray(broadcastRecipients.telegramId, telegramIds), eq(broadcastRecipients.state, 'claimed')));
  }

  /** Records a batch's results and bumps the counters in one transaction. */
  async record(broadcastId: number, botId: number, results: RecipientResult[], tx: Executor): Promise<void> {
    if (results.length === 0) return;
    const values = sql.join(
      results.map((r) => sql`(${r.telegramId}::bigint, ${r.state}::text, ${r.messageId}::bigint, ${r.error}::text)`),
      sql`, `,
    );
    await tx.execute(sql`
      update broadcast_recipients r
      set state = v.state, message_id = v.message_id, error = v.error, sent_at = case when v.state = 'sent' then now() else null end,
          claimed_at = case when v.state = 'pending' then null else r.claimed_at end
      from (values ${values}) as v(telegram_id, state, message_id, error)
      where r.broadcast_id = ${broadcastId} and r.telegram_id = v.telegram_id and r.state in ('claimed', 'sending')`);
    const tally = (state: string) => results.filter((r) => r.state === state).length;
    await tx
      .update(broadcasts)
      .set({
        sent: sql`${broadcasts.sent} + ${tally('sent')}`,
        failed: sql`${broadcasts.failed} + ${tally('failed')}`,
        blocked: sql`${broadcasts.blocked} + ${tally('blocked')}`,
        updatedAt: new Date(),
      })
      .where(eq(broadcasts.id, broadcastId));
    await this.upsertBlocks(
      botId,
      results.filter((r) => r.state === 'blocked').map((r) => r.telegramId),
      tx,
    );
  }

  /** Records users who blocked the bot (seen again: the moment is refreshed). */
  async upsertBlocks(botId: number, telegramIds: number[], tx: Executor = this.db): Promise<void> {
    if (telegramIds.length === 0) return;
    await tx
      .insert(botBlocks)
      .values(telegramIds.map((telegramId) => ({ botId, telegramId })))
      .onConflictDoUpdate({ target: [botBlocks.botId, botBlocks.telegramId], set: { updatedAt: new Date() } });
  }

  /** Forgets a block; false when there was none. */
  async deleteBlock(botId: number, telegramId: number, tx: Executor = this.db): Promise<boolean> {
    const rows = await tx
      .delete(botBlocks)
      .where(and(eq(botBlocks.botId, botId), eq(botBlocks.telegramId, telegramId)))
      .returning({ telegramId: botBlocks.telegramId });
    return rows.length > 0;
  }

  /**
   * Recipients a dead worker left behind (claimed longer than the lease ago): those it never tried
   * go back to pending; those whose send had started may have got the message, so they are
   * written off as failed rather than risk a second one.
   */
  async releaseAbandoned(broadcastId: number, leaseSeconds: number, tx: Executor): Promise<{ released: number; writtenOff: number }> {
    const stale = sql`broadcast_id = ${broadcastId} and claimed_at < now() - make_interval(secs => ${leaseSeconds})`;
    const released = rowsOf(
      await tx.execute(sql`update broadcast_recipients set state = 'pending', claimed_at = null where ${stale} and state = 'claimed' returning telegram_id`),
    ).length;
    const writtenOff = rowsOf(
      await tx.execute(sql`update broadcast_recipients set state = 'failed', error = 'interrupted: delivery unknown' where ${stale} and state = 'sending' returning telegram_id`),
    ).length;
    if (writtenOff > 0) await tx.update(broadcasts).set({ failed: sql`${broadcasts.failed} + ${writtenOff}` }).where(eq(broadcasts.id, broadcastId));
    return { released, writtenOff };
  }

  async inFlight(broadcastId: number, tx: Executor = this.db): Promise<{ pending: number; sending: number }> {
    const [row] = await tx
      .select({
        pending: sql<number>`count(*) filter (where ${broadcastRecipients.state} = 'pending')::int`,
        sending: sql<number>`count(*) filter (where ${broadcastRecipients.state} in ('claimed', 'sending'))::int`,
      })
      .from(broadcastRecipients)
      .where(eq(broadcastRecipients.broadcastId, broadcastId));
    return { pending: Number(row.pending), sending: Number(row.sending) };
  }

  /** Running broadcasts (to resume after a restart). */
  async running(tx: Executor = this.db): Promise<BroadcastRow[]> {
    return tx.select().from(broadcasts).where(eq(broadcasts.status, 'running'));
  }

  async summarySince(botId: number, since: Date, tx: Executor = this.db) {
    const [row] = await tx
      .select({ broadcasts: sql<number>`count(*)::int`, sent: sql<number>`coalesce(sum(${broadcasts.sent}), 0)::int` })
      .from(broadcasts)
      .where(and(eq(broadcasts.botId, botId), sql`${broadcasts.createdAt} >= ${since}`));
    return { broadcasts: Number(row.broadcasts), sent: Number(row.sent) };
  }
}
