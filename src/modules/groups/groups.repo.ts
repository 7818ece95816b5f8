import { and, asc, count, eq, inArray, isNotNull, lte, or, type SQL } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { groupSettings, groups } from './groups.tables.ts';

export type GroupRow = typeof groups.$inferSelect;
export type SettingsRow = typeof groupSettings.$inferSelect;

export class GroupsRepo {
  constructor(private readonly db: Executor) {}

  async insert(group: typeof groups.$inferInsert, settings: typeof groupSettings.$inferInsert, tx: Executor): Promise<GroupRow | undefined> {
    const [row] = await tx.insert(groups).values(group).onConflictDoNothing().returning();
    if (row) await tx.insert(groupSettings).values(settings);
    return row;
  }

  async find(groupId: number, tx: Executor = this.db): Promise<GroupRow | undefined> {
    const [row] = await tx.select().from(groups).where(eq(groups.groupId, groupId)).limit(1);
    return row;
  }

  async update(groupId: number, patch: Partial<typeof groups.$inferInsert>, tx: Executor = this.db): Promise<GroupRow | undefined> {
    const [row] = await tx.update(groups).set({ ...patch, updatedAt: new Date() }).where(eq(groups.groupId, groupId)).returning();
    return row;
  }

  async page(filter: { botIds?: number[]; groupIds?: number[]; isActive?: boolean }, limit: number, offset: number, tx: Executor = this.db) {
    const parts: SQL[] = [];
    if (filter.botIds) parts.push(inArray(groups.botId, filter.botIds));
    if (filter.groupIds) parts.push(inArray(groups.groupId, filter.groupIds));
    if (filter.isActive !== undefined) parts.push(eq(groups.isActive, filter.isActive));
    const where = and(...parts);
    const [items, [{ total }]] = await Promise.all([
      tx.select().from(groups).where(where).orderBy(asc(groups.createdAt), asc(groups.groupId)).limit(limit).offset(offset),
      tx.select({ total: count() }).from(groups).where(where),
    ]);
    return { items, total };
  }

  async findSettings(groupId: number, tx: Executor = this.db): Promise<SettingsRow | undefined> {
    const [row] = await tx.select().from(groupSettings).where(eq(groupSettings.groupId, groupId)).limit(1);
    return row;
  }

  /** Locks the settings row for the rest of the transaction: chat-wide state changes serialize on it. */
  async lockSettings(groupId: number, tx: Executor): Promise<SettingsRow | undefined> {
    const [row] = await tx.select().from(groupSettings).where(eq(groupSettings.groupId, groupId)).for('update');
    return row;
  }

  async updateSettings(groupId: number, patch: Partial<typeof groupSettings.$inferInsert>, tx: Executor = this.db): Promise<SettingsRow | undefined> {
    const [row] = await tx
      .update(groupSettings)
      .set({ ...patch, updatedAt: new Date() })
      .where(eq(groupSettings.groupId, groupId))
      .returning();
    return row;
  }

  async changeChatId(fromGroupId: number, toGroupId: number, tx: Executor): Promise<GroupRow | undefined> {
    const [row] = await tx
      .update(groups)
      .set({ groupId: toGroupId, updatedAt: new Date() })
      .where(eq(groups.groupId, fromGroupId))
      .returning();
    return row;
  }

  /** Groups whose lockdown or night mode ran past its end and is still marked on. */
  async expiredChatStates(tx: Executor = this.db) {
    const now = new Date();
    return tx
      .select({ groupId: groupSettings.groupId, lockdown: groupSettings.lockdown, lockdownUntil: groupSettings.lockdownUntil, nightMode: groupSettings.nightMode, nightModeUntil: groupSettings.nightModeUntil })
      .from(groupSettings)
      .where(
        or(
          and(eq(groupSettings.lockdown, true), lte(groupSettings.lockdownUntil, now)),
          and(eq(groupSettings.nightMode, true), lte(groupSettings.nightModeUntil, now)),
        ),
      );
  }

  /** Active groups with a night-mode schedule, with their time zone. */
  async nightSchedules(tx: Executor = this.db) {
    return tx
      .select({ groupId: groups.groupId, botId: groups.botId, timezone: groups.timezone, schedule: groupSettings.nightModeSchedule })
      .from(groupSettings)
      .innerJoin(groups, eq(groups.groupId, groupSettings.groupId))
      .where(and(isNotNull(groupSettings.nightModeSchedule), eq(groups.isActive, true)));
  }
}
