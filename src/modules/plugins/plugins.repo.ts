import { eq } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { botPlugins } from './plugins.tables.ts';

export type BotPluginRow = typeof botPlugins.$inferSelect;

export class PluginsRepo {
  constructor(private readonly db: Executor) {}

  async forBot(botId: number, tx: Executor = this.db): Promise<BotPluginRow[]> {
    return tx.select().from(botPlugins).where(eq(botPlugins.botId, botId));
  }

  async set(botId: number, name: string, enabled: boolean, tx: Executor = this.db): Promise<BotPluginRow> {
    const [row] = await tx
      .insert(botPlugins)
      .values({ botId, name, enabled })
      .onConflictDoUpdate({ target: [botPlugins.botId, botPlugins.name], set: { enabled, updatedAt: new Date() } })
      .returning();
    return row;
  }
}
