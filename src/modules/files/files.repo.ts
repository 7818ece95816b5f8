import { count, desc, eq } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { files } from './files.tables.ts';

export type FileRow = typeof files.$inferSelect;


export class FilesRepo {
  constructor(private readonly db: Executor) {}

  async insert(row: typeof files.$inferInsert, tx: Executor = this.db): Promise<FileRow> {
    const [created] = await tx.insert(files).values(row).returning();
    return created;
  }

  async find(id: string, tx: Executor = this.db): Promise<FileRow | undefined> {
    const [row] = await tx.select().from(files).where(eq(files.id, id)).limit(1);
    return row;
  }

  /** A page of files, of one bot or (`botId` null) of every bot. */
  async page(botId: number | null, limit: number, offset: number, tx: Executor = this.db) {
    const where = botId === null ? undefined : eq(files.botId, botId);
    const [items, [{ total }]] = await Promise.all([
      tx.select().from(files).where(where).orderBy(desc(files.createdAt), desc(files.id)).limit(limit).offset(offset),
      tx.select({ total: count() }).from(files).where(where),
    ]);
    return { items, total };
  }

  async delete(id: string, tx: Executor = this.db): Promise<FileRow | undefined> {
    const [row] = await tx.delete(files).where(eq(files.id, id)).returning();
    return row;
  }
}
