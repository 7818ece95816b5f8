import { and, eq, gt, lte, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { captchaChallenges } from './captcha.tables.ts';

export type ChallengeRow = typeof captchaChallenges.$inferSelect;

export class CaptchaRepo {
  constructor(private readonly db: Executor) {}

  async open(row: { groupId: number; userId: number; botId: number | null; messageId: number | null; expiresAt: Date }, tx: Executor = this.db): Promise<ChallengeRow> {
    const [saved] = await tx
      .insert(captchaChallenges)
      .values({ ...row, status: 'pending' })
      .onConflictDoUpdate({
        target: [captchaChallenges.groupId, captchaChallenges.userId],
        set: { botId: row.botId, messageId: row.messageId, expiresAt: row.expiresAt, status: 'pending', updatedAt: sql`now()` },
      })
      .returning();
    return saved;
  }

  /** Moves a pending challenge to `solved` if it has not run out; undefined when it was not pending. */
  async solve(groupId: number, userId: number, tx: Executor = this.db): Promise<ChallengeRow | undefined> {
    const [row] = await tx
      .update(captchaChallenges)
      .set({ status: 'solved', updatedAt: sql`now()` })
      .where(and(eq(captchaChallenges.groupId, groupId), eq(captchaChallenges.userId, userId), eq(captchaChallenges.status, 'pending'), gt(captchaChallenges.expiresAt, sql`now()`)))
      .returning();
    return row;
  }

  /** Moves a pending challenge that ran out to `expired`; undefined when there is none. */
  async expire(groupId: number, userId: number, tx: Executor = this.db): Promise<ChallengeRow | undefined> {
    const [row] = await tx
      .update(captchaChallenges)
      .set({ status: 'expired', updatedAt: sql`now()` })
      .where(and(eq(captchaChallenges.groupId, groupId), eq(captchaChallenges.userId, userId), eq(captchaChallenges.status, 'pending'), lte(captchaChallenges.expiresAt, sql`now()`)))
      .returning();
    return row;
  }

  async find(groupId: number, userId: number, tx: Executor = this.db): Promise<ChallengeRow | undefined> {
    const [row] = await tx.select().from(captchaChallenges).where(and(eq(captchaChallenges.groupId, groupId), eq(captchaChallenges.userId, userId))).limit(1);
    return row;
  }
}
