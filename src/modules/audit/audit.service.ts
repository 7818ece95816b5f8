import type { Db, Executor } from '../../db/client.ts';
import { AppError } from '../../platform/errors.ts';
import { paginated } from '../../platform/http.ts';
import { AuditRepo, type ActionFilters, type ActionLogRow } from './audit.repo.ts';

export type ActionSource = 'api' | 'bot' | 'rule' | 'system' | 'admin';

export interface ActionEntry {
  group_id: number;
  user_id?: number | null;
  admin_id?: number | null;
  action: string;
  reason?: string | null;
  result?: 'success' | 'failed' | 'expired';
  error?: string | null;
  source?: ActionSource;
  duration?: number | null;
  meta?: Record<string, unknown>;
  created_at?: string;
}

export interface ActionView {
  id: number;
  group_id: number;
  user_id: number | null;
  admin_id: number | null;
  action: string;
  reason: string | null;
  result: string;
  error: string | null;
  source: string;
  duration: number | null;
  meta: Record<string, unknown>;
  created_at: string;
}

/** The action log: the audit trail of every write, and the statistics drawn from it. */
export class AuditService {
  private readonly repo: AuditRepo;

  constructor(private readonly db: Db) {
    this.repo = new AuditRepo(db);
  }

  /** Appends one entry; pass `tx` so the entry commits (or not) with the write it records. */
  async log(entry: ActionEntry, tx?: Executor): Promise<ActionView> {
    const [row] = await this.repo.insert([toRow(entry)], tx);
    return toView(row);
  }

  /** Appends many entries in one transaction: all or none. */
  async logMany(entries: ActionEntry[], tx?: Executor): Promise<ActionView[]> {
    const write = (t: Executor) => this.repo.insert(entries.map(toRow), t);
    const rows = tx ? await write(tx) : await this.db.transaction(write);
    return rows.map(toView);
  }

  async list(groupId: number, filters: ActionFilters, page: number, limit: number) {
    if (filters.since && filters.until && filters.since > filters.until) {
      throw new AppError('INVALID_RANGE', { message: '`since` must not be after `until`' });
    }
    const { items, total } = await this.repo.page(groupId, filters, limit, (page - 1) * limit);
    return paginated(items.map(toView), total, page, limit);
  }

  async userStats(groupId: number, userId: number) {
    const [summary, byAction] = await Promise.all([this.repo.userSummary(groupId, userId), this.repo.countsByAction(groupId, userId)]);
    return {
      group_id: groupId,
      user_id: userId,
      total_actions: summary.total,
      actions_as_admin: summary.asAdmin,
      actions_by_type: Object.fromEntries(byAction.map((r) => [r.action, r.n])),
      first_action_at: summary.first ? new Date(summary.first).toISOString() : null,
      last_action_at: summary.last ? new Date(summary.last).toISOString() : null,
    };
  }

  async groupStats(groupId: number) {
    const [summary, byAction] = await Promise.all([
      this.repo.groupSummary(groupId),
      this.repo.countsByAction(groupId),
    ]);
    return {
      total_actions: summary.total,
      failed_actions: summary.failed,
      actions_last_24h: summary.last24h,
      actions_last_7d: summary.last7d,
      distinct_users_acted_on: summary.distinctUsers,
      actions_by_type: Object.fromEntries(byAction.map((r) => [r.action, r.n])),
    };
  }

  /** The newest failed actions in every group (Telegram refusals, failed expiries). */
  async recentFailures(limit: number): Promise<ActionView[]> {
    return (await this.repo.recentFailures(limit)).map(toView);
  }

  /** Removes entries older than the retention window; run by the scheduled cleanup. */
  async removeOlderThan(retentionDays: number): Promise<number> {
    return this.repo.deleteOlderThan(new Date(Date.now() - retentionDays * 86_400_000));
  }

  /** A group upgraded to a supergroup gets a new chat id; its history follows it. */
  async moveGroup(fromGroupId: number, toGroupId: number, tx: Executor): Promise<void> {
    await this.repo.moveGroup(fromGroupId, toGroupId, tx);
  }
}

function toRow(entry: ActionEntry) {
  return {
    groupId: entry.group_id,
    userId: entry.user_id ?? null,
    adminId: entry.admin_id ?? null,
    action: entry.action,
    reason: entry.reason ?? null,
    result: entry.result ?? 'success',
    error: entry.error ?? null,
    source: entry.source ?? 'api',
    duration: entry.duration ?? null,
    meta: entry.meta ?? {},
    ...(entry.created_at ? { createdAt: new Date(entry.created_at) } : {}),
  };
}

export function toView(row: ActionLogRow): ActionView {
  return {
    id: row.id,
    group_id: row.groupId,
    user_id: row.userId,
    admin_id: row.adminId,
    action: row.action,
    reason: row.reason,
    result: row.result,
    error: row.error,
    source: row.source,
    duration: row.duration,
    meta: row.meta,
    created_at: row.createdAt.toISOString(),
  };
}
