import { count, desc, eq, isNull, lt, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { apiAccessLog } from './access-log.tables.ts';

export type AccessRow = typeof apiAccessLog.$inferSelect;
export type NewAccessRow = typeof apiAccessLog.$inferInsert;

export class AccessLogRepo {
  constructor(private readonly db: Executor) {}

  /**
   * One statement with one array parameter per column: building a multi-row VALUES list costs
   * more CPU than the insert itself at thousands of requests per second.
   */
  async insert(rows: NewAccessRow[], tx: Executor = this.db): Promise<void> {
    if (rows.length === 0) return;
    const column = <T>(pick: (r: NewAccessRow) => T) => sql.param(rows.map(pick));
    await tx.execute(sql`
      insert into api_access_log (key_id, method, route, status, duration_ms, request_id, ip, created_at)
      select * from unnest(
        ${column((r) => r.keyId ?? null)}::bigint[], ${column((r) => r.method)}::text[], ${column((r) => r.route)}::text[],
        ${column((r) => r.status)}::int[], ${column((r) => r.durationMs)}::int[], ${column((r) => r.requestId)}::text[],
        ${column((r) => r.ip ?? null)}::text[], ${column((r) => r.createdAt!.toISOString())}::timestamptz[])`);
  }

  /** `keyId` undefined: every key; null: the bootstrap key. */
  async page(keyId: number | null | undefined, limit: number, offset: number, tx: Executor = this.db) {
    const where = keyId === undefined ? undefined : keyId === null ? isNull(apiAccessLog.keyId) : eq(apiAccessLog.keyId, keyId);
    const [items, [{ total }]] = await Promise.all([
      tx.select().from(apiAccessLog).where(where).orderBy(desc(apiAccessLog.createdAt), desc(apiAccessLog.id)).limit(limit).offset(offset),
      tx.select({ total: count() }).from(apiAccessLog).where(where),
    ]);
    return { items, total };
  }

  async deleteOlderThan(cutoff: Date, tx: Executor = this.db): Promise<number> {
    const deleted = await tx.delete(apiAccessLog).where(lt(apiAccessLog.createdAt, cutoff)).returning({ id: apiAccessLog.id });
    return deleted.length;
  }
}
