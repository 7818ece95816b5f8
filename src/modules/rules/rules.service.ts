import type { Db, Executor } from '../../db/client.ts';
import type { Cache } from '../../platform/cache.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import type { AuditService } from '../audit/audit.service.ts';
import { RulesRepo, type RuleHistoryRow, type RuleRow } from './rules.repo.ts';
import { assertSafeKeyword, keywordRegExp } from './rules.patterns.ts';
import type { RulePenalty, RuleTrigger } from './rules.tables.ts';

export interface RuleView {
  id: number;
  group_id: number;
  name: string;
  description: string | null;
  trigger: RuleTrigger;
  penalty: RulePenalty;
  priority: number;
  enabled: boolean;
  exempt_admins: boolean;
  created_at: string;
  updated_at: string;
}

export interface RuleInput {
  name: string;
  description?: string | null;
  trigger: RuleTrigger;
  penalty: RulePenalty;
  priority?: number;
  enabled?: boolean;
  exempt_admins?: boolean;
}

export interface RuleHistoryView {
  id: number;
  rule_id: number;
  change: string;
  snapshot: Record<string, unknown>;
  actor_id: number | null;
  target_user_id: number | null;
  created_at: string;
}

const rulesKey = (groupId: number) => `rules:${groupId}`;

/** Rules with automatic penalties: a trigger (e.g. warn count), a penalty, a priority; every change is kept. */
export class RulesService {
  private readonly repo: RulesRepo;

  constructor(
    private readonly db: Db,
    private readonly cache: Cache,
    private readonly audit: AuditService,
    private readonly ttlSeconds: number,
  ) {
    this.repo = new RulesRepo(db);
  }

  async create(groupId: number, input: RuleInput, actorId: number | null = null): Promise<RuleView> {
    assertRuleValid(input.trigger, input.penalty);
    const row = await this.db.transaction(async (tx) => {
      const created = await this.repo.insert(
        {
          groupId,
          name: input.name,
          description: input.description ?? null,
          trigger: input.trigger,
          penalty: input.penalty,
          priority: input.priority ?? 0,
          enabled: input.enabled ?? true,
          exemptAdmins: input.exempt_admins ?? true,
        },
        tx,
      );
      await this.record(created, 'created', actorId, null, tx);
      return created;
    });
    await this.cache.invalidate(rulesKey(groupId));
    return toView(row);
  }

  async list(groupId: number): Promise<RuleView[]> {
    return this.cache.getOrLoad(rulesKey(groupId), this.ttlSeconds, async () => (await this.repo.listByGroup(groupId)).map(toView));
  }

  async get(groupId: number, ruleId: number): Promise<RuleView> {
    const rule = (await this.list(groupId)).find((r) => r.id === ruleId);
    if (!rule) throw notFound('rule', ruleId);
    return rule;
  }

  async update(groupId: number, ruleId: number, patch: Partial<RuleInput>, actorId: number | null = null): Promise<RuleView> {
    if (patch.trigger || patch.penalty) {
      const current = await this.get(groupId, ruleId);
      assertRuleValid(patch.trigger ?? current.trigger, patch.penalty ?? current.penalty);
    }
    const row = await this.db.transaction(async (tx) => {
      const updated = await this.repo.update(
        groupId,
        ruleId,
        {
          ...(patch.name !== undefined && { name: patch.name }),
          ...(patch.description !== undefined && { description: patch.description }),
          ...(patch.trigger !== undefined && { trigger: patch.trigger }),
          ...(patch.penalty !== undefined && { penalty: patch.penalty }),
          ...(patch.priority !== undefined && { priority: patch.priority }),
          ...(patch.enabled !== undefined && { enabled: patch.enabled }),
          ...(patch.exempt_admins !== undefined && { exemptAdmins: patch.exempt_admins }),
        },
        tx,
      );
      if (!updated) throw notFound('rule', ruleId);
      const change = Object.keys(patch).length === 1 && patch.enabled !== undefined ? (patch.enabled ? 'enabled' : 'disabled') : 'updated';
      await this.record(updated, change, actorId, null, tx);
      return updated;
    });
    await this.cache.invalidate(rulesKey(groupId));
    return toView(row);
  }

  async setEnabled(groupId: number, ruleId: number, enabled: boolean, actorId: number | null = null): Promise<RuleView> {
    return this.update(groupId, ruleId, { enabled }, actorId);
  }

  async delete(groupId: number, ruleId: number, actorId: number | null = null): Promise<void> {
    await this.db.transaction(async (tx) => {
      const row = await this.repo.delete(groupId, ruleId, tx);
      if (!row) throw notFound('rule', ruleId);
      await this.record(row, 'deleted', actorId, null, tx);
    });
    await this.cache.invalidate(rulesKey(groupId));
  }

  async history(groupId: number, ruleId: number): Promise<RuleHistoryView[]> {
    const rows = await this.repo.history(groupId, ruleId);
    if (rows.length === 0) throw notFound('rule', ruleId);
    return rows.map(toHistoryView);
  }

  /**
   * The enabled rule with the highest priority whose trigger `type` is met by `value`
   * (a warning count, a message count in a window, a message text), or undefined.
   */
  async firstMatching(groupId: number, type: RuleTrigger['type'], value: number | string): Promise<RuleView | undefined> {
    return matchingRule(await this.list(groupId), type, value);
  }

  /** Records that a rule fired on a user (null: a message sent on behalf of a chat), in the transaction that applied its penalty. */
  async recordFiring(rule: RuleView, targetUserId: number | null, tx: Executor): Promise<void> {
    await this.repo.addHistory(
      { ruleId: rule.id, groupId: rule.group_id, change: 'fired', snapshot: { ...rule }, actorId: null, targetUserId },
      tx,
    );
  }

  private async record(row: RuleRow, change: string, actorId: number | null, targetUserId: number | null, tx: Executor): Promise<void> {
    await this.repo.addHistory({ ruleId: row.id, groupId: row.groupId, change, snapshot: { ...toView(row) }, actorId, targetUserId }, tx);
    await this.audit.log({ group_id: row.groupId, admin_id: actorId, action: `rule_${change}`, meta: { rule_id: row.id, name: row.name } }, tx);
  }
}

/** The next penalty a member's warnings earn, and at how many. */
export interface WarnLimit {
  limit: number;
  action: RulePenalty['action'];
  duration: number | null;
  name: string;
  rule: RuleView | null;
}

/**
 * What warnings earn, the one answer for enforcement, `/warn`, `/warns`, `/rules` and the
 * panel: with enabled `warn_count` rules, the lowest threshold (the highest-priority rule among
 * equals); without, the group's `warn_limit` setting; null when warnings earn nothing.
 */
export function warnLimitOf(
  rules: RuleView[],
  moderation: { warn_limit: number; warn_action: RulePenalty['action']; warn_action_duration: number | null },
): WarnLimit | null {
  const warnRules = rules.filter((r) => r.enabled && r.trigger.type === 'warn_count' && r.trigger.threshold);
  if (warnRules.length === 0) {
    if (moderation.warn_limit <= 0) return null;
    return { limit: moderation.warn_limit, action: moderation.warn_action, duration: moderation.warn_action_duration, name: 'warn_limit', rule: null };
  }
  const limit = Math.min(...warnRules.map((r) => r.trigger.threshold!));
  const rule = warnRules.find((r) => r.trigger.threshold === limit)!;
  return { limit, action: rule.penalty.action, duration: rule.penalty.duration ?? null, name: rule.name, rule };
}

/** Among `rules` (ordered by priority, highest first), the first enabled one of `type` that `value` meets. */
export function matchingRule(rules: RuleView[], type: RuleTrigger['type'], value: number | string): RuleView | undefined {
  return rules.find((r) => r.enabled && r.trigger.type === type && triggerMet(r.trigger, value));
}

function triggerMet(trigger: RuleTrigger, value: number | string): boolean {
  switch (trigger.type) {
    case 'warn_count':
    case 'flood':
      return typeof value === 'number' && value >= (trigger.threshold ?? Number.POSITIVE_INFINITY);
    case 'keyword':
      return typeof value === 'string' && trigger.pattern !== undefined && compiledKeyword(trigger).test(value);
  }
}

const compiledKeywords = new WeakMap<RuleTrigger, RegExp>();

/**
 * The trigger's regular expression, compiled once per cached rule list: the list is replaced
 * when a rule changes, so the compiled form goes with it.
 */
export function compiledKeyword(trigger: RuleTrigger): RegExp {
  let regex = compiledKeywords.get(trigger);
  if (!regex) {
    regex = keywordRegExp(trigger);
    compiledKeywords.set(trigger, regex);
  }
  return regex;
}

function assertRuleValid(trigger: RuleTrigger, penalty: RulePenalty): void {
  if ((trigger.type === 'warn_count' || trigger.type === 'flood') && !trigger.threshold) {
    throw new AppError('INVALID_RULE', { message: `Trigger "${trigger.type}" needs a threshold` });
  }
  if (trigger.type === 'keyword') {
    if (!trigger.pattern) throw new AppError('INVALID_RULE', { message: 'Trigger "keyword" needs a pattern' });
    assertSafeKeyword(trigger);
  } else if (penalty.action === 'delete') {
    throw new AppError('INVALID_RULE', { message: 'Penalty "delete" needs a message: only keyword rules may use it' });
  }
}

function toView(row: RuleRow): RuleView {
  return {
    id: row.id,
    group_id: row.groupId,
    name: row.name,
    description: row.description,
    trigger: row.trigger,
    penalty: row.penalty,
    priority: row.priority,
    enabled: row.enabled,
    exempt_admins: row.exemptAdmins,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

function toHistoryView(row: RuleHistoryRow): RuleHistoryView {
  return {
    id: row.id,
    rule_id: row.ruleId,
    change: row.change,
    snapshot: row.snapshot,
    actor_id: row.actorId,
    target_user_id: row.targetUserId,
    created_at: row.createdAt.toISOString(),
  };
}
