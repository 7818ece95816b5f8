import { bigint, bigserial, integer, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, telegramId, updatedAt } from '../../db/columns.ts';
import { groups } from '../groups/groups.tables.ts';

export const roles = pgTable(
  'roles',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    groupId: telegramId('group_id')
      .notNull()
      .references(() => groups.groupId, { onDelete: 'cascade', onUpdate: 'cascade' }),
    name: text('name').notNull(),
    description: text('description'),
    permissions: text('permissions').array().notNull().default([]),
    priority: integer('priority').notNull().default(0),
    /** Name of a role in the same group whose permissions this one also has. */
    inheritsFrom: text('inherits_from'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('roles_group_name_idx').on(t.groupId, t.name)],
);

export const memberRoles = pgTable(
  'member_roles',
  {
    groupId: telegramId('group_id')
      .notNull()
      .references(() => groups.groupId, { onDelete: 'cascade', onUpdate: 'cascade' }),
    userId: telegramId('user_id').notNull(),
    roleId: bigint('role_id', { mode: 'number' })
      .notNull()
      .references(() => roles.id, { onDelete: 'cascade' }),
    assignedAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.groupId, t.userId] })],
);
