import { and, count, eq, isNull, max, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { dateOf, rowsOf } from '../../db/rows.ts';
import { userActions, warnings } from './enforcement.tables.ts';

export type UserActionRow = typeof userActions.$inferSelect;

export class EnforcementRepo {
  constructor(private readonly db: Executor) {}

  /** Serializes changes to one user's state in one group across processes, until the transaction ends. */
  async lockUser(groupId: number, userId: number, tx: Executor): Promise<void> {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`${groupId}:${userId}`}, 0))`);
  }

  async setState(
    row: { groupId: number; userId: number; kind: string; active: boolean; expiresAt: Date | null; reason: string | null; adminId: number | null },
    tx: Executor = this.db,
  ): Promise<UserActionRow> {
    const [saved] = await tx
      .insert(userActions)
      .values({ ...row, expiryLogged: false })
      .onConflictDoUpdate({
        target: [userActions.groupId, userActions.userId, userActions.kind],
        set: { active: row.active, expiresAt: row.expiresAt, reason: row.reason, adminId: row.adminId, expiryLogged: false, updatedAt: new Date() },
      })
      .returning();
    return saved;
  }

  async states(groupId: number, userId: number, tx: Executor = this.db): Promise<UserActionRow[]> {
    return tx.select().from(userActions).where(and(eq(userActions.groupId, groupId), eq(userActions.userId, userId)));
  }

  async addWarning(row: { groupId: number; userId: number; adminId: number | null; reason: string | null }, tx: Executor): Promise<void> {
    await tx.insert(warnings).values(row);
  }

  async activeWarnings(groupId: number, userId: number, tx: Executor = this.db): Promise<{ count: number; last: Date | null }> {
    const [row] = await tx
      .select({ count: count(), last: max(warnings.createdAt) })
      .from(warnings)
      .where(and(eq(warnings.groupId, groupId), eq(warnings.userId, userId), isNull(warnings.revokedAt)));
    return { count: row.count, last: row.last ? new Date(row.last) : null };
  }

  /** Revokes the newest active warning (or all of them); returns how many were revoked. */
  async revokeWarnings(groupId: number, userId: number, all: boolean, tx: Executor): Promise<number> {
    const newest = all
      ? sql``
      : sql`and id = (select id from warnings where group_id = ${groupId} and user_id = ${userId} and revoked_at is null order by created_at desc, id desc limit 1)`;
    const result = await tx.execute(
      sql`update warnings set revoked_at = now() where group_id = ${groupId} and user_id = ${userId} and revoked_at is null ${newest} returning id`,
    );
    return rowsOf(result).length;
  }

  /** Marks timed states that ran out as ended, once, and returns them; safe with several workers. */
  async claimExpired(limit: number, tx: Executor): Promise<UserActionRow[]> {
    const result = await tx.execute(sql`
      update user_actions ua set active = false, expiry_logged = true, updated_at = now()
      from (
        select group_id, user_id, kind from user_actions
        where active and expires_at <= now() and not expiry_logged
        order by expires_at limit ${limit}
        for update skip locked
      ) due
      where ua.group_id = due.group_id and ua.user_id = due.user_id and ua.kind = due.kind
      returning ua.group_id, ua.user_id, ua.kind, ua.expires_at, ua.reason, ua.admin_id`);
    return rowsOf(result).map((r) => ({
      groupId: Number(r.group_id),
      userId: Number(r.user_id),
      kind: String(r.kind),
      active: false,
      expiresAt: r.expires_at ? dateOf(r.expires_at) : null,
      reason: (r.reason as string | null) ?? null,
      adminId: r.admin_id === null ? null : Number(r.admin_id),
      expiryLogged: true,
      updatedAt: new Date(),
    }));
  }

  async activeCounts(groupId: number, tx: Executor = this.db) {
    const result = await tx.execute(sql`
      select
        (select count(*) from user_actions where group_id = ${groupId} and kind = 'mute' and active and (expires_at is null or expires_at > now())) as muted,
        (select count(*) from user_actions where group_id = ${groupId} and kind = 'ban' and active and (expires_at is null or expires_at > now())) as banned,
        (select count(*) from user_actions where group_id = ${groupId} and kind = 'restrict' and active and (expires_at is null or expires_at > now())) as restricted,
        (select count(*) from warnings where group_id = ${groupId} and revoked_at is null) as warnings`);
    const [row] = rowsOf(result);
    return { muted: Number(row.muted), banned: Number(row.banned), restricted: Number(row.restricted), warnings: Number(row.warnings) };
  }
}
