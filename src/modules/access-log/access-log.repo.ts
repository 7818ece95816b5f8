import { count, desc, eq, isNull, lt } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { apiAccessLog } from './access-log.tables.ts';

export type AccessRow = typeof apiAccessLog.$inferSelect;
export type NewAccessRow = typeof apiAccessLog.$inferInsert;

export class AccessLogRepo {
  constructor(private readonly db: Executor) {}

  async insert(rows: NewAccessRow[], tx: Executor = this.db): Promise<void> {
    if (rows.length) await tx.insert(apiAccessLog).values(rows);
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
