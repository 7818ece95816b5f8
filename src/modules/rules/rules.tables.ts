import { bigint, bigserial, boolean, index, integer, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { createdAt, telegramId, updatedAt } from '../../db/columns.ts';
import { groups } from '../groups/groups.tables.ts';

export interface RuleTrigger {
  type: 'warn_count' | 'flood' | 'keyword';
  threshold?: number;
  pattern?: string;
  /** For `keyword`: `regex` (default) or `literal` text; both case-insensitive. */
  match?: 'regex' | 'literal';
  window_seconds?: number;
}

/** Penalties that act on a member through enforcement. */
export type MemberPenaltyAction = 'mute' | 'ban' | 'kick' | 'warn' | 'restrict';

export interface RulePenalty {
  /** `delete` only removes the message, so only `keyword` rules may use it. */
  action: MemberPenaltyAction | 'delete';
  duration?: number | null;
  reset_warnings?: boolean;
  /** For `keyword` rules: also delete the matching message (default true). */
  delete_message?: boolean;
}

export const rules = pgTable(
  'rules',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    groupId: telegramId('group_id')
      .notNull()
      .references(() => groups.groupId, { onDelete: 'cascade', onUpdate: 'cascade' }),
    name: text('name').notNull(),
    description: text('description'),
    trigger: jsonb('trigger').$type<RuleTrigger>().notNull(),
    penalty: jsonb('penalty').$type<RulePenalty>().notNull(),
    priority: integer('priority').notNull().default(0),
    enabled: boolean('enabled').notNull().default(true),
    /** Chat administrators are not checked against the rule unless this is false. */
    exemptAdmins: boolean('exempt_admins').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('rules_group_idx').on(t.groupId, t.priority)],
);

/** Every change to a rule and every time it fired, with a snapshot of the rule then. */
export const ruleHistory = pgTable(
  'rule_history',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    ruleId: bigint('rule_id', { mode: 'number' }).notNull(),
    groupId: telegramId('group_id').notNull(),
    change: text('change').notNull(),
    snapshot: jsonb('snapshot').$type<Record<string, unknown>>().notNull(),
    actorId: telegramId('actor_id'),
    targetUserId: telegramId('target_user_id'),
    createdAt: createdAt(),
  },
  (t) => [index('rule_history_rule_idx').on(t.ruleId, t.createdAt)],
);
