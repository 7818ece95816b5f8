import type { Db } from '../../db/client.ts';
import { isUniqueViolation } from '../../db/rows.ts';
import type { Cache } from '../../platform/cache.ts';
import { AppError, conflict, forbidden, notFound } from '../../platform/errors.ts';
import type { AuditService } from '../audit/audit.service.ts';
import { RolesRepo, type RoleRow } from './roles.repo.ts';

/** Capabilities a role can grant. Custom names are allowed too (snake_case). */
export const KNOWN_PERMISSIONS = [
  'can_mute',
  'can_ban',
  'can_kick',
  'can_warn',
  'can_restrict',
  'can_lockdown',
  'can_change_settings',
  'can_manage_roles',
  'can_manage_rules',
  'can_delete_messages',
  'can_view_logs',
] as const;

export interface RoleView {
  id: number;
  group_id: number;
  name: string;
  description: string | null;
  permissions: string[];
  /** Own permissions plus everything inherited, resolved. */
  effective_permissions: string[];
  priority: number;
  inherits_from: string | null;
  member_count: number;
  created_at: string;
  updated_at: string;
}

export interface RoleInput {
  name: string;
  description?: string | null;
  permissions?: string[];
  priority?: number;
  inherits_from?: string | null;
}

export interface Standing {
  role: string | null;
  priority: number;
  permissions: string[];
}

interface GroupRoles {
  roles: RoleView[];
  /** user id → role name */
  members: Record<string, string>;
}

const rolesKey = (groupId: number) => `roles:${groupId}`;

/** Roles per group: named capabilities, inheritance, and priority that decides who may act on whom. */
export class RolesService {
  private readonly repo: RolesRepo;

  constructor(
    private readonly db: Db,
    private readonly cache: Cache,
    private readonly audit: AuditService,
    private readonly ttlSeconds: number,
  ) {
    this.repo = new RolesRepo(db);
  }

  async create(groupId: number, input: RoleInput, actorId: number | null = null): Promise<RoleView> {
    await this.db.transaction(async (tx) => {
      const existing = await this.repo.listByGroup(groupId, tx);
      if (input.inherits_from) assertInheritable(existing, input.name, input.inherits_from);
      const row = await this.repo.insert(
        {
          groupId,
          name: input.name,
          description: input.description ?? null,
          permissions: dedupe(input.permissions ?? []),
          priority: input.priority ?? 0,
          inheritsFrom: input.inherits_from ?? null,
        },
        tx,
      );
      if (!row) throw conflict('ROLE_EXISTS', `Role "${input.name}" already exists in group ${groupId}`);
      await this.audit.log({ group_id: groupId, admin_id: actorId, action: 'role_created', meta: { role: input.name } }, tx);
    });
    await this.cache.invalidate(rolesKey(groupId));
    return this.get(groupId, input.name);
  }

  async list(groupId: number): Promise<RoleView[]> {
    return (await this.snapshot(groupId)).roles;
  }

  async get(groupId: number, name: string): Promise<RoleView> {
    const role = (await this.snapshot(groupId)).roles.find((r) => r.name === name);
    if (!role) throw notFound('role', name);
    return role;
  }

  async update(groupId: number, name: string, patch: Partial<RoleInput>, actorId: number | null = null): Promise<RoleView> {
    const newName = patch.name ?? name;
    await this.db.transaction(async (tx) => {
      const existing = await this.repo.listByGroup(groupId, tx);
      if (!existing.some((r) => r.name === name)) throw notFound('role', name);
      if (patch.inherits_from) assertInheritable(existing.map((r) => (r.name === name ? { ...r, name: newName } : r)), newName, patch.inherits_from);
      const row = await this.repo.update(
        groupId,
        name,
        {
          ...(patch.name !== undefined && { name: patch.name }),
          ...(patch.description !== undefined && { description: patch.description }),
          ...(patch.permissions !== undefined && { permissions: dedupe(patch.permissions) }),
          ...(patch.priority !== undefined && { priority: patch.priority }),
          ...(patch.inherits_from !== undefined && { inheritsFrom: patch.inherits_from }),
        },
        tx,
      ).catch((err: unknown) => {
        if (isUniqueViolation(err)) throw conflict('ROLE_EXISTS', `Role "${newName}" already exists in group ${groupId}`);
        throw err;
      });
      if (!row) throw notFound('role', name);
      if (newName !== name) await this.repo.renameInheritance(groupId, name, newName, tx);
      await this.audit.log({ group_id: groupId, admin_id: actorId, action: 'role_updated', meta: { role: name, changes: patch } }, tx);
    });
    await this.cache.invalidate(rolesKey(groupId));
    return this.get(groupId, newName);
  }

  async delete(groupId: number, name: string, actorId: number | null = null): Promise<void> {
    await this.db.transaction(async (tx) => {
      const row = await this.repo.delete(groupId, name, tx);
      if (!row) throw notFound('role', name);
      await this.repo.clearInheritance(groupId, name, tx);
      await this.audit.log({ group_id: groupId, admin_id: actorId, action: 'role_deleted', meta: { role: name } }, tx);
    });
    await this.cache.invalidate(rolesKey(groupId));
  }

  /**
   * Assigns roles to many users in one transaction. A row naming an unknown role rejects the
   * whole batch, with the row's index in the error.
   */
  async assign(groupId: number, assignments: { user_id: number; role: string }[], actorId: number | null = null): Promise<number> {
    await this.db.transaction(async (tx) => {
      const byName = new Map((await this.repo.listByGroup(groupId, tx)).map((r) => [r.name, r.id]));
      const rows = assignments.map((a, index) => {
        const roleId = byName.get(a.role);
        if (roleId === undefined) {
          throw new AppError('ROLE_NOT_FOUND', { message: `Row ${index}: role "${a.role}" does not exist`, status: 400, details: { index } });
        }
        return { groupId, userId: a.user_id, roleId };
      });
      await this.repo.assign(rows, tx);
      await this.audit.logMany(
        assignments.map((a) => ({ group_id: groupId, user_id: a.user_id, admin_id: actorId, action: 'role_assigned', meta: { role: a.role } })),
        tx,
      );
    });
    await this.cache.invalidate(rolesKey(groupId));
    return assignments.length;
  }

  async unassign(groupId: number, userId: number, actorId: number | null = null): Promise<void> {
    await this.db.transaction(async (tx) => {
      if (!(await this.repo.unassign(groupId, userId, tx))) throw notFound('role assignment for user', userId);
      await this.audit.log({ group_id: groupId, user_id: userId, admin_id: actorId, action: 'role_unassigned' }, tx);
    });
    await this.cache.invalidate(rolesKey(groupId));
  }

  async members(groupId: number): Promise<{ user_id: number; role: string }[]> {
    const { members } = await this.snapshot(groupId);
    return Object.entries(members).map(([userId, role]) => ({ user_id: Number(userId), role }));
  }

  /** The user's role in the group with inherited permissions; no role means priority 0, no permissions. */
  async standing(groupId: number, userId: number): Promise<Standing> {
    const snap = await this.snapshot(groupId);
    const roleName = snap.members[String(userId)];
    const role = roleName ? snap.roles.find((r) => r.name === roleName) : undefined;
    if (!role) return { role: null, priority: 0, permissions: [] };
    return { role: role.name, priority: role.priority, permissions: role.effective_permissions };
  }

  /**
   * Throws 403 unless `actorId` may use `permission` on `targetId`. Actors without a role act
   * with the caller's authority (the API key or the chat admin check that let them in); a
   * target with a role can only be acted on by someone of strictly higher priority.
   */
  async assertMayAct(groupId: number, actorId: number, targetId: number | null, permission: string): Promise<void> {
    const actor = await this.standing(groupId, actorId);
    if (actor.role !== null && !actor.permissions.includes(permission)) {
      throw forbidden(`Role "${actor.role}" lacks ${permission}`);
    }
    if (targetId === null || targetId === actorId) return;
    const target = await this.standing(groupId, targetId);
    if (target.role !== null && (actor.role === null || actor.priority <= target.priority)) {
      throw forbidden(`Cannot act on a member with role "${target.role}" (priority ${target.priority}): equal or higher than yours`);
    }
  }

  private async snapshot(groupId: number): Promise<GroupRoles> {
    return this.cache.getOrLoad(rolesKey(groupId), this.ttlSeconds, async () => {
      const [rows, members] = await Promise.all([this.repo.listByGroup(groupId), this.repo.members(groupId)]);
      const nameById = new Map(rows.map((r) => [r.id, r.name]));
      const counts = new Map<number, number>();
      for (const m of members) counts.set(m.roleId, (counts.get(m.roleId) ?? 0) + 1);
      return {
        roles: rows.map((r) => toView(r, resolvePermissions(rows, r), counts.get(r.id) ?? 0)),
        members: Object.fromEntries(members.map((m) => [String(m.userId), nameById.get(m.roleId)!])),
      };
    });
  }
}

function resolvePermissions(all: RoleRow[], role: RoleRow): string[] {
  const byName = new Map(all.map((r) => [r.name, r]));
  const seen = new Set<string>();
  const out = new Set<string>();
  for (let current: RoleRow | undefined = role; current && !seen.has(current.name); current = current.inheritsFrom ? byName.get(current.inheritsFrom) : undefined) {
    seen.add(current.name);
    for (const p of current.permissions) out.add(p);
  }
  return [...out].sort();
}

/** Refuses an unknown parent or a chain that would lead back to the role itself. */
function assertInheritable(all: Pick<RoleRow, 'name' | 'inheritsFrom'>[], name: string, parent: string): void {
  const byName = new Map(all.map((r) => [r.name, r]));
  if (!byName.has(parent)) throw new AppError('ROLE_NOT_FOUND', { message: `Parent role "${parent}" does not exist`, status: 400 });
  for (let current: string | null = parent; current; current = byName.get(current)?.inheritsFrom ?? null) {
    if (current === name) throw new AppError('ROLE_CYCLE', { message: `Role "${name}" cannot inherit from "${parent}": that makes a cycle`, status: 400 });
  }
}

const dedupe = (permissions: string[]) => [...new Set(permissions)];

function toView(row: RoleRow, effective: string[], memberCount: number): RoleView {
  return {
    id: row.id,
    group_id: row.groupId,
    name: row.name,
    description: row.description,
    permissions: row.permissions,
    effective_permissions: effective,
    priority: row.priority,
    inherits_from: row.inheritsFrom,
    member_count: memberCount,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}
