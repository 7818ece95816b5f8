import { asc, eq, inArray } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { bots } from './bots.tables.ts';

export type BotRow = typeof bots.$inferSelect;

export class BotsRepo {
  constructor(private readonly db: Executor) {}

  async upsert(row: typeof bots.$inferInsert, tx: Executor = this.db): Promise<BotRow> {
    const [saved] = await tx
      .insert(bots)
      .values(row)
      .onConflictDoUpdate({
        target: bots.botId,
        set: { tokenEncrypted: row.tokenEncrypted, title: row.title, username: row.username, updatedAt: new Date() },
      })
      .returning();
    return saved;
  }

  async find(botId: number, tx: Executor = this.db): Promise<BotRow | undefined> {
    const [row] = await tx.select().from(bots).where(eq(bots.botId, botId)).limit(1);
    return row;
  }

  async list(botIds: number[] | null, tx: Executor = this.db): Promise<BotRow[]> {
    const query = tx.select().from(bots);
    return (botIds ? query.where(inArray(bots.botId, botIds)) : query).orderBy(asc(bots.botId));
  }
}
