import { and, asc, eq, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { memberRoles, roles } from './roles.tables.ts';

export type RoleRow = typeof roles.$inferSelect;

export class RolesRepo {
  constructor(private readonly db: Executor) {}

  async insert(row: typeof roles.$inferInsert, tx: Executor = this.db): Promise<RoleRow | undefined> {
    const [created] = await tx.insert(roles).values(row).onConflictDoNothing().returning();
    return created;
  }

  async listByGroup(groupId: number, tx: Executor = this.db): Promise<RoleRow[]> {
    return tx.select().from(roles).where(eq(roles.groupId, groupId)).orderBy(asc(roles.priority), asc(roles.name));
  }

  async update(groupId: number, name: string, patch: Partial<typeof roles.$inferInsert>, tx: Executor = this.db): Promise<RoleRow | undefined> {
    const [row] = await tx
      .update(roles)
      .set({ ...patch, updatedAt: new Date() })
      .where(and(eq(roles.groupId, groupId), eq(roles.name, name)))
      .returning();
    return row;
  }

  async delete(groupId: number, name: string, tx: Executor = this.db): Promise<RoleRow | undefined> {
    const [row] = await tx.delete(roles).where(and(eq(roles.groupId, groupId), eq(roles.name, name))).returning();
    return row;
  }

  async clearInheritance(groupId: number, parentName: string, tx: Executor): Promise<void> {
    await tx.update(roles).set({ inheritsFrom: null }).where(and(eq(roles.groupId, groupId), eq(roles.inheritsFrom, parentName)));
  }

  async renameInheritance(groupId: number, from: string, to: string, tx: Executor): Promise<void> {
    await tx.update(roles).set({ inheritsFrom: to }).where(and(eq(roles.groupId, groupId), eq(roles.inheritsFrom, from)));
  }

  async assign(rows: { groupId: number; userId: number; roleId: number }[], tx: Executor = this.db): Promise<void> {
    if (rows.length === 0) return;
    await tx
      .insert(memberRoles)
      .values(rows)
      .onConflictDoUpdate({ target: [memberRoles.groupId, memberRoles.userId], set: { roleId: sql`excluded.role_id`, assignedAt: new Date() } });
  }

  async unassign(groupId: number, userId: number, tx: Executor = this.db): Promise<boolean> {
    const deleted = await tx
      .delete(memberRoles)
      .where(and(eq(memberRoles.groupId, groupId), eq(memberRoles.userId, userId)))
      .returning({ userId: memberRoles.userId });
    return deleted.length > 0;
  }

  async members(groupId: number, tx: Executor = this.db) {
    return tx
      .select({ userId: memberRoles.userId, roleId: memberRoles.roleId, assignedAt: memberRoles.assignedAt })
      .from(memberRoles)
      .where(eq(memberRoles.groupId, groupId))
      .orderBy(asc(memberRoles.userId));
  }
}
