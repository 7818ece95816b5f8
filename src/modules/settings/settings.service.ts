import { asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { systemSettings } from './settings.tables.ts';

/** Seed 004's system settings: free-form key/value pairs per bot, edited from the admin panel. */
export class SettingsService {
  constructor(private readonly db: Db) {}

  async all(botId: number): Promise<Record<string, unknown>> {
    const rows = await this.db.select().from(systemSettings).where(eq(systemSettings.botId, botId)).orderBy(asc(systemSettings.key));
    return Object.fromEntries(rows.map((r) => [r.key, r.value]));
  }

  /** Sets each given key; a null value removes the key. Returns every setting afterwards. */
  async patch(botId: number, changes: Record<string, unknown>, actorId: number | null): Promise<Record<string, unknown>> {
    await this.db.transaction(async (tx) => {
      for (const [key, value] of Object.entries(changes)) {
        if (value === null) {
          await tx.delete(systemSettings).where(sql`${systemSettings.botId} = ${botId} and ${systemSettings.key} = ${key}`);
          continue;
        }
        await tx
          .insert(systemSettings)
          .values({ botId, key, value, updatedBy: actorId })
          .onConflictDoUpdate({ target: [systemSettings.botId, systemSettings.key], set: { value, updatedBy: actorId, updatedAt: new Date() } });
      }
    });
    return this.all(botId);
  }
}
