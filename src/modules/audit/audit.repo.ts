import { and, count, desc, eq, gte, lt, lte, max, min, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { actionLog } from './audit.tables.ts';

export type ActionLogRow = typeof actionLog.$inferSelect;
export type NewActionLogRow = typeof actionLog.$inferInsert;

export interface ActionFilters {
  userId?: number;
  adminId?: number;
  action?: string;
  result?: string;
  source?: string;
  since?: Date;
  until?: Date;
}

export class AuditRepo {
  constructor(private readonly db: Executor) {}

  async insert(rows: NewActionLogRow[], tx: Executor = this.db): Promise<ActionLogRow[]> {
    if (rows.length === 0) return [];
    return tx.insert(actionLog).values(rows).returning();
  }

  async page(groupId: number, filters: ActionFilters, limit: number, offset: number, tx: Executor = this.db) {
    const where = and(eq(actionLog.groupId, groupId), ...conditions(filters));
    const [items, [{ total }]] = await Promise.all([
      tx.select().from(actionLog).where(where).orderBy(desc(actionLog.createdAt), desc(actionLog.id)).limit(limit).offset(offset),
      tx.select({ total: count() }).from(actionLog).where(where),
    ]);
    return { items, total };
  }

  /** The newest failed actions across all groups, for the error view of the operations API. */
  async recentFailures(limit: number, tx: Executor = this.db): Promise<ActionLogRow[]> {
    return tx.select().from(actionLog).where(eq(actionLog.result, 'failed')).orderBy(desc(actionLog.createdAt), desc(actionLog.id)).limit(limit);
  }

  /** Entries per action in a group, or for one user in it. */
  async countsByAction(groupId: number, userId?: number, tx: Executor = this.db) {
    const where = userId === undefined ? eq(actionLog.groupId, groupId) : and(eq(actionLog.groupId, groupId), eq(actionLog.userId, userId));
    return tx
      .select({ action: actionLog.action, n: count() })
      .from(actionLog)
      .where(where)
      .groupBy(actionLog.action);
  }

  async userSummary(groupId: number, userId: number, tx: Executor = this.db) {
    const [row] = await tx
      .select({ total: count(), first: min(actionLog.createdAt), last: max(actionLog.createdAt) })
      .from(actionLog)
      .where(and(eq(actionLog.groupId, groupId), eq(actionLog.userId, userId)));
    const [asAdmin] = await tx
      .select({ total: count() })
      .from(actionLog)
      .where(and(eq(actionLog.groupId, groupId), eq(actionLog.adminId, userId)));
    return { ...row, asAdmin: asAdmin.total };
  }

  async groupSummary(groupId: number, tx: Executor = this.db) {
    const [row] = await tx
      .select({
        total: count(),
        failed: sql<number>`count(*) filter (where ${actionLog.result} = 'failed')`.mapWith(Number),
        last24h: sql<number>`count(*) filter (where ${actionLog.createdAt} > now() - interval '24 hours')`.mapWith(Number),
        last7d: sql<number>`count(*) filter (where ${actionLog.createdAt} > now() - interval '7 days')`.mapWith(Number),
        distinctUsers: sql<number>`count(distinct ${actionLog.userId})`.mapWith(Number),
      })
      .from(actionLog)
      .where(eq(actionLog.groupId, groupId));
    return row;
  }

  async deleteOlderThan(cutoff: Date, tx: Executor = this.db): Promise<number> {
    const deleted = await tx.delete(actionLog).where(lt(actionLog.createdAt, cutoff)).returning({ id: actionLog.id });
    return deleted.length;
  }

  async moveGroup(fromGroupId: number, toGroupId: number, tx: Executor = this.db): Promise<void> {
    await tx.update(actionLog).set({ groupId: toGroupId }).where(eq(actionLog.groupId, fromGroupId));
  }
}

function conditions(f: ActionFilters): SQL[] {
  const out: SQL[] = [];
  if (f.userId !== undefined) out.push(eq(actionLog.userId, f.userId));
  if (f.adminId !== undefined) out.push(eq(actionLog.adminId, f.adminId));
  if (f.action !== undefined) out.push(eq(actionLog.action, f.action));
  if (f.result !== undefined) out.push(eq(actionLog.result, f.result));
  if (f.source !== undefined) out.push(eq(actionLog.source, f.source));
  if (f.since !== undefined) out.push(gte(actionLog.createdAt, f.since));
  if (f.until !== undefined) out.push(lte(actionLog.createdAt, f.until));
  return out;
}
