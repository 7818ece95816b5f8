import { and, desc, eq, isNull } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { apiKeys } from './api-keys.tables.ts';

export type ApiKeyRow = typeof apiKeys.$inferSelect;

export class ApiKeysRepo {
  constructor(private readonly db: Executor) {}

  async insert(row: typeof apiKeys.$inferInsert, tx: Executor = this.db): Promise<ApiKeyRow> {
    const [created] = await tx.insert(apiKeys).values(row).returning();
    return created;
  }

  async findActiveByHash(keyHash: string, tx: Executor = this.db): Promise<ApiKeyRow | undefined> {
    const [row] = await tx
      .select()
      .from(apiKeys)
      .where(and(eq(apiKeys.keyHash, keyHash), isNull(apiKeys.revokedAt)))
      .limit(1);
    return row;
  }

  async list(tx: Executor = this.db): Promise<ApiKeyRow[]> {
    return tx.select().from(apiKeys).orderBy(desc(apiKeys.id));
  }

  async revoke(id: number, tx: Executor = this.db): Promise<ApiKeyRow | undefined> {
    const [row] = await tx
      .update(apiKeys)
      .set({ revokedAt: new Date() })
      .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
      .returning();
    return row;
  }

  async touch(id: number, tx: Executor = this.db): Promise<void> {
    await tx.update(apiKeys).set({ lastUsedAt: new Date() }).where(eq(apiKeys.id, id));
  }
}
