import { eq } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { nightModeRuns } from './night-mode.tables.ts';

export class NightModeRepo {
  constructor(private readonly db: Executor) {}

  async lastWindowStart(groupId: number, tx: Executor = this.db): Promise<Date | null> {
    const [row] = await tx.select().from(nightModeRuns).where(eq(nightModeRuns.groupId, groupId)).limit(1);
    return row?.windowStart ?? null;
  }

  async recordWindowStart(groupId: number, windowStart: Date, tx: Executor = this.db): Promise<void> {
    await tx.insert(nightModeRuns).values({ groupId, windowStart }).onConflictDoUpdate({ target: nightModeRuns.groupId, set: { windowStart } });
  }
}
