import { and, asc, count, desc, eq, inArray, isNull, lt, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import type { CatalogModel } from './generations.catalog.ts';
import { generationJobs, generationResults, generations, modelCatalog, modelPrices, type GenerationStatus } from './generations.tables.ts';

export type ModelRow = typeof modelCatalog.$inferSelect;
export type PriceRow = typeof modelPrices.$inferSelect;
export type GenerationRow = typeof generations.$inferSelect;
export type GenerationJobRow = typeof generationJobs.$inferSelect;

const ACTIVE: GenerationStatus[] = ['pending', 'processing'];

export class GenerationsRepo {
  constructor(private readonly db: Executor) {}

  /** Gives a bot the default catalog; models and prices it already has stay as they are. */
  async seedCatalog(botId: number, catalog: CatalogModel[], tx: Executor = this.db): Promise<void> {
    await tx
      .insert(modelCatalog)
      .values(catalog.map(({ prices: _prices, ...m }, sortOrder) => ({ ...m, botId, sortOrder })))
      .onConflictDoNothing();
    await tx
      .insert(modelPrices)
      .values(catalog.flatMap((m) => Object.entries(m.prices).map(([variant, credits]) => ({ botId, modelId: m.modelId, variant, credits }))))
      .onConflictDoNothing();
  }

  async models(botId: number, tx: Executor = this.db): Promise<ModelRow[]> {
    return tx.select().from(modelCatalog).where(eq(modelCatalog.botId, botId)).orderBy(asc(modelCatalog.sortOrder), asc(modelCatalog.modelId));
  }

  async prices(botId: number, tx: Executor = this.db): Promise<PriceRow[]> {
    return tx.select().from(modelPrices).where(eq(modelPrices.botId, botId));
  }

  async updateModel(botId: number, modelId: string, patch: Partial<typeof modelCatalog.$inferInsert>, tx: Executor = this.db): Promise<ModelRow | undefined> {
    const [row] = await tx
      .update(modelCatalog)
      .set({ ...patch, updatedAt: new Date() })
      .where(and(eq(modelCatalog.botId, botId), eq(modelCatalog.modelId, modelId)))
      .returning();
    return row;
  }

  async setPrice(row: { botId: number; modelId: string; variant: string; credits: number; updatedBy: number | null }, tx: Executor = this.db): Promise<void> {
    await tx
      .insert(modelPrices)
      .values(row)
      .onConflictDoUpdate({ target: [modelPrices.botId, modelPrices.modelId, modelPrices.variant], set: { credits: row.credits, updatedBy: row.updatedBy, updatedAt: new Date() } });
  }

  async generationCounts(botId: number, tx: Executor = this.db): Promise<Map<string, number>> {
    const rows = await tx.select({ modelId: generations.modelId, total: count() }).from(generations).where(eq(generations.botId, botId)).groupBy(generations.modelId);
    return new Map(rows.map((r) => [r.modelId, r.total]));
  }

  async insert(row: typeof generations.$inferInsert, provider: string, tx: Executor): Promise<GenerationRow> {
    const [saved] = await tx.insert(generations).values(row).returning();
    await tx.insert(generationJobs).values({ generationId: saved.id, provider });
    return saved;
  }

  async find(id: string, tx: Executor = this.db): Promise<GenerationRow | undefined> {
    const [row] = await tx.select().from(generations).where(eq(generations.id, id)).limit(1);
    return row;
  }

  async findJob(id: string, tx: Executor = this.db): Promise<GenerationJobRow | undefined> {
    const [row] = await tx.select().from(generationJobs).where(eq(generationJobs.generationId, id)).limit(1);
    return row;
  }

  async activeOf(userId: number, tx: Executor = this.db): Promise<GenerationRow | undefined> {
    const [row] = await tx
      .select()
      .from(generations)
      .where(and(eq(generations.userId, userId), inArray(generations.status, ACTIVE)))
      .orderBy(desc(generations.createdAt))
      .limit(1);
    return row;
  }

  async results(id: string, tx: Executor = this.db): Promise<string[]> {
    const rows = await tx.select({ url: generationResults.url }).from(generationResults).where(eq(generationResults.generationId, id)).orderBy(asc(generationResults.position));
    return rows.map((r) => r.url);
  }

  async recordSubmitted(id: string, taskId: string, tx: Executor = this.db): Promise<void> {
    await tx.update(generationJobs).set({ providerTaskId: taskId, providerStatus: 'created', updatedAt: new Date() }).where(eq(generationJobs.generationId, id));
    await tx
      .update(generations)
      .set({ status: 'processing', updatedAt: new Date() })
      .where(and(eq(generations.id, id), eq(generations.status, 'pending')));
  }

  async recordPoll(id: string, providerStatus: string, completed: boolean, tx: Executor = this.db): Promise<void> {
    await tx
      .update(generationJobs)
      .set({
        providerStatus,
        polls: sql`${generationJobs.polls} + 1`,
        lastPolledAt: new Date(),
        updatedAt: new Date(),
        ...(completed && { providerCompletedAt: sql`coalesce(${generationJobs.providerCompletedAt}, now())` }),
      })
      .where(eq(generationJobs.generationId, id));
  }

  /**
   * Moves an in-flight generation to its final status. Only one caller wins (the poll job, a
   * refresh, the cleanup): the others get undefined and must not notify or refund again.
   */
  async finish(id: string, status: 'completed' | 'failed', error: string | null, tx: Executor): Promise<GenerationRow | undefined> {
    const [row] = await tx
      .update(generations)
      .set({ status, error, completedAt: new Date(), updatedAt: new Date() })
      .where(and(eq(generations.id, id), inArray(generations.status, ACTIVE)))
      .returning();
    return row;
  }

  async insertResults(id: string, urls: string[], tx: Executor): Promise<void> {
    if (urls.length === 0) return;
    await tx
      .insert(generationResults)
      .values(urls.map((url, position) => ({ generationId: id, position, url })))
      .onConflictDoNothing();
  }

  /** Marks the refund done once; false when it already was. */
  async markRefunded(id: string, tx: Executor): Promise<boolean> {
    const rows = await tx.update(generations).set({ refundedAt: new Date(), updatedAt: new Date() }).where(and(eq(generations.id, id), isNull(generations.refundedAt))).returning({ id: generations.id });
    return rows.length > 0;
  }

  /** Claims the right to notify the user; released again if the push fails. */
  async claimNotification(id: string, tx: Executor = this.db): Promise<boolean> {
    const rows = await tx.update(generations).set({ notifiedAt: new Date() }).where(and(eq(generations.id, id), isNull(generations.notifiedAt))).returning({ id: generations.id });
    return rows.length > 0;
  }

  async releaseNotification(id: string, tx: Executor = this.db): Promise<void> {
    await tx.update(generations).set({ notifiedAt: null }).where(eq(generations.id, id));
  }

  async list(filter: { botId: number; status?: GenerationStatus; telegramId?: number }, limit: number, offset: number, tx: Executor = this.db) {
    const where = and(
      eq(generations.botId, filter.botId),
      filter.status ? eq(generations.status, filter.status) : undefined,
      filter.telegramId !== undefined ? eq(generations.telegramId, filter.telegramId) : undefined,
    );
    const [items, [{ total }]] = await Promise.all([
      tx.select().from(generations).where(where).orderBy(desc(generations.createdAt), desc(generations.id)).limit(limit).offset(offset),
      tx.select({ total: count() }).from(generations).where(where),
    ]);
    return { items, total };
  }

  async statusCounts(botId: number, tx: Executor = this.db): Promise<{ pending: number; processing: number; undelivered: number }> {
    const [row] = await tx
      .select({
        pending: sql<number>`count(*) filter (where ${generations.status} = 'pending')::int`,
        processing: sql<number>`count(*) filter (where ${generations.status} = 'processing')::int`,
        undelivered: sql<number>`count(*) filter (where ${generations.status} in ('completed', 'failed') and ${generations.notifiedAt} is null)::int`,
      })
      .from(generations)
      .where(eq(generations.botId, botId));
    return { pending: Number(row.pending), processing: Number(row.processing), undelivered: Number(row.undelivered) };
  }

  /** In-flight generations past their deadline by `graceMs` (their poll job was lost). */
  async overdue(graceMs: number, limit: number, tx: Executor = this.db): Promise<GenerationRow[]> {
    return tx
      .select()
      .from(generations)
      .where(and(inArray(generations.status, ACTIVE), lt(generations.deadlineAt, new Date(Date.now() - graceMs))))
      .orderBy(asc(generations.deadlineAt))
      .limit(limit);
  }

  /** Finished generations whose push never happened (the worker died between commit and push). */
  async undelivered(olderThanMs: number, limit: number, tx: Executor = this.db): Promise<GenerationRow[]> {
    return tx
      .select()
      .from(generations)
      .where(and(inArray(generations.status, ['completed', 'failed']), isNull(generations.notifiedAt), lt(generations.completedAt, new Date(Date.now() - olderThanMs))))
      .limit(limit);
  }

  async dailySummary(botId: number, since: Date, tx: Executor = this.db) {
    const [row] = await tx
      .select({
        total: sql<number>`count(*)::int`,
        completed: sql<number>`count(*) filter (where ${generations.status} = 'completed')::int`,
        failed: sql<number>`count(*) filter (where ${generations.status} = 'failed')::int`,
        credits: sql<number>`coalesce(sum(${generations.cost}) filter (where ${generations.refundedAt} is null), 0)::int`,
        refunded: sql<number>`count(*) filter (where ${generations.refundedAt} is not null)::int`,
      })
      .from(generations)
      .where(and(eq(generations.botId, botId), sql`${generations.createdAt} >= ${since}`));
    return { total: Number(row.total), completed: Number(row.completed), failed: Number(row.failed), credits: Number(row.credits), refunded: Number(row.refunded) };
  }
}
