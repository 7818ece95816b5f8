import { asc, eq, inArray } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { botAdmins, bots } from './bots.tables.ts';

export type BotRow = typeof bots.$inferSelect;

export class BotsRepo {
  constructor(private readonly db: Executor) {}

  async upsert(row: typeof bots.$inferInsert, tx: Executor = this.db): Promise<BotRow> {
    const { botId: _id, createdAt: _created, ...set } = row;
    const [saved] = await tx
      .insert(bots)
      .values(row)
      .onConflictDoUpdate({ target: bots.botId, set: { ...set, updatedAt: new Date() } })
      .returning();
    return saved;
  }

  async update(botId: number, patch: Partial<typeof bots.$inferInsert>, tx: Executor = this.db): Promise<BotRow | undefined> {
    const [row] = await tx.update(bots).set({ ...patch, updatedAt: new Date() }).where(eq(bots.botId, botId)).returning();
    return row;
  }

  async find(botId: number, tx: Executor = this.db): Promise<BotRow | undefined> {
    const [row] = await tx.select().from(bots).where(eq(bots.botId, botId)).limit(1);
    return row;
  }

  async list(botIds: number[] | null, tx: Executor = this.db): Promise<BotRow[]> {
    const query = tx.select().from(bots);
    return (botIds ? query.where(inArray(bots.botId, botIds)) : query).orderBy(asc(bots.botId));
  }

  async replaceAdmins(botId: number, telegramIds: number[], tx: Executor): Promise<void> {
    await tx.delete(botAdmins).where(eq(botAdmins.botId, botId));
    if (telegramIds.length > 0) await tx.insert(botAdmins).values(telegramIds.map((telegramId) => ({ botId, telegramId })));
  }

  async adminsOf(botIds: number[], tx: Executor = this.db): Promise<{ botId: number; telegramId: number }[]> {
    if (botIds.length === 0) return [];
    return tx
      .select({ botId: botAdmins.botId, telegramId: botAdmins.telegramId })
      .from(botAdmins)
      .where(inArray(botAdmins.botId, botIds))
      .orderBy(asc(botAdmins.createdAt), asc(botAdmins.telegramId));
  }

  async botsAdministeredBy(telegramId: number, tx: Executor = this.db): Promise<number[]> {
    const rows = await tx.select({ botId: botAdmins.botId }).from(botAdmins).where(eq(botAdmins.telegramId, telegramId)).orderBy(asc(botAdmins.botId));
    return rows.map((r) => r.botId);
  }
}
