import type { Db, Executor } from '../../db/client.ts';
import type { Cache } from '../../platform/cache.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import type { AuditService } from '../audit/audit.service.ts';
import { RulesRepo, type RuleHistoryRow, type RuleRow } from './rules.repo.ts';
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
    assertTriggerComplete(input.trigger);
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
    if (patch.trigger) assertTriggerComplete(patch.trigger);
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

  /** Records that a rule fired on a user, in the transaction that applied its penalty. */
  async recordFiring(rule: RuleView, targetUserId: number, tx: Executor): Promise<void> {
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
      return typeof value === 'string' && trigger.pattern !== undefined && new RegExp(trigger.pattern, 'iu').test(value);
  }
}

function assertTriggerComplete(trigger: RuleTrigger): void {
  if ((trigger.type === 'warn_count' || trigger.type === 'flood') && !trigger.threshold) {
    throw new AppError('INVALID_RULE', { message: `Trigger "${trigger.type}" needs a threshold` });
  }
  if (trigger.type === 'keyword') {
    if (!trigger.pattern) throw new AppError('INVALID_RULE', { message: 'Trigger "keyword" needs a pattern' });
    try {
      new RegExp(trigger.pattern, 'iu');
    } catch {
      throw new AppError('INVALID_RULE', { message: 'Trigger pattern is not a valid regular expression' });
    }
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
