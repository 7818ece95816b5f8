import { desc, eq, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { knownUsers } from './members.tables.ts';

export type KnownUserRow = typeof knownUsers.$inferSelect;

export class MembersRepo {
  constructor(private readonly db: Executor) {}

  async upsert(row: typeof knownUsers.$inferInsert, tx: Executor = this.db): Promise<void> {
    await tx
      .insert(knownUsers)
      .values(row)
      .onConflictDoUpdate({
        target: knownUsers.userId,
        set: { username: row.username, firstName: row.firstName, languageCode: row.languageCode, updatedAt: sql`now()` },
      });
  }

  /** The most recently seen holder of a username: usernames move between accounts. */
  async findByUsername(username: string, tx: Executor = this.db): Promise<KnownUserRow | undefined> {
    const [row] = await tx.select().from(knownUsers).where(eq(knownUsers.username, username)).orderBy(desc(knownUsers.updatedAt)).limit(1);
    return row;
  }

  async find(userId: number, tx: Executor = this.db): Promise<KnownUserRow | undefined> {
    const [row] = await tx.select().from(knownUsers).where(eq(knownUsers.userId, userId)).limit(1);
    return row;
  }
}
