import { randomUUID } from 'node:crypto';
import { and, count, desc, eq, gt, isNull, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import { bumpStats } from '../analytics/stats.repo.ts';
import type { UsersService } from '../users/users.service.ts';
import { subscriptionEvents, subscriptions, type SubscriptionStatus } from './subscriptions.tables.ts';

export type SubscriptionRow = typeof subscriptions.$inferSelect;

export interface SubscriptionView {
  uid: number;
  sub_uid: string;
  user_id: number;
  telegram_id: number;
  status: SubscriptionStatus;
  is_trial: boolean;
  start_date: string;
  stop_date: string | null;
  meta: Record<string, unknown>;
  keys: string[];
}

/**
 * Seed 002's subscriptions: a user's access with start/stop dates and keys. Starts, renewals and
 * key purchases are dated events, counted per day by the analytics.
 */
export class SubscriptionsService {
  constructor(
    private readonly db: Db,
    private readonly users: UsersService,
  ) {}

  async start(botId: number, input: { telegram_id: number; sub_uid?: string; is_trial?: boolean; stop_date?: string | null; keys?: string[]; meta?: Record<string, unknown> }): Promise<SubscriptionView> {
    const user = await this.users.require(botId, input.telegram_id);
    const keys = input.keys ?? [];
    const row = await this.db.transaction(async (tx) => {
      const [saved] = await tx
        .insert(subscriptions)
        .values({
          botId,
          subUid: input.sub_uid ?? randomUUID(),
          userId: user.id,
          telegramId: user.telegramId,
          isTrial: input.is_trial ?? false,
          stopDate: input.stop_date ? new Date(input.stop_date) : null,
          keys,
          meta: input.meta ?? {},
        })
        .onConflictDoNothing()
        .returning();
      if (!saved) throw new AppError('SUBSCRIPTION_EXISTS', { message: `Subscription ${input.sub_uid} already exists`, status: 409 });
      await tx.insert(subscriptionEvents).values({ botId, subscriptionId: saved.id, kind: 'start' });
      if (keys.length > 0) await tx.insert(subscriptionEvents).values({ botId, subscriptionId: saved.id, kind: 'key', meta: { count: keys.length } });
      if (saved.isTrial) await this.users.useTrial(user.id, 'subscription', tx, { subscription_id: saved.id });
      await bumpStats(tx, botId, saved.startDate, { subscriptions: 1, keys: keys.length });
      return saved;
    });
    return toView(row);
  }

  /** Extends the subscription to `stop_date` (a renewal), reactivating it. */
  async renew(botId: number, uid: number, stopDate: string): Promise<SubscriptionView> {
    return this.change(botId, uid, 'renewal', (row) => ({ status: 'Active', stopDate: new Date(stopDate), ...(row.stopDate && new Date(stopDate) <= row.stopDate ? invalid('stop_date must be after the current stop date') : {}) }), { renewals: 1 });
  }

  async addKeys(botId: number, uid: number, keys: string[]): Promise<SubscriptionView> {
    return this.change(botId, uid, 'key', (row) => ({ keys: [...row.keys, ...keys] }), { keys: keys.length }, { count: keys.length });
  }

  async cancel(botId: number, uid: number): Promise<SubscriptionView> {
    return this.change(botId, uid, 'cancel', () => ({ status: 'Cancelled', stopDate: new Date() }), {});
  }

  private async change(
    botId: number,
    uid: number,
    kind: 'renewal' | 'key' | 'cancel',
    patch: (row: SubscriptionRow) => Partial<typeof subscriptions.$inferInsert>,
    delta: Parameters<typeof bumpStats>[3],
    meta: Record<string, unknown> = {},
  ): Promise<SubscriptionView> {
    const row = await this.db.transaction(async (tx) => {
      const [current] = await tx.select().from(subscriptions).where(and(eq(subscriptions.botId, botId), eq(subscriptions.id, uid))).for('update');
      if (!current) throw notFound('subscription', uid);
      const [saved] = await tx.update(subscriptions).set({ ...patch(current), updatedAt: new Date() }).where(eq(subscriptions.id, uid)).returning();
      const [event] = await tx.insert(subscriptionEvents).values({ botId, subscriptionId: uid, kind, meta }).returning();
      await bumpStats(tx, botId, event.occurredAt, delta);
      return saved;
    });
    return toView(row);
  }

  async list(botId: number, status: SubscriptionStatus | undefined, limit: number, offset: number) {
    const parts: SQL[] = [eq(subscriptions.botId, botId)];
    if (status) parts.push(eq(subscriptions.status, status));
    const where = and(...parts);
    const [items, [{ total }]] = await Promise.all([
      this.db.select().from(subscriptions).where(where).orderBy(desc(subscriptions.startDate), desc(subscriptions.id)).limit(limit).offset(offset),
      this.db.select({ total: count() }).from(subscriptions).where(where),
    ]);
    return { items: items.map(toView), total };
  }

  /** Users with a subscription in force (Active and not past its stop date). */
  async activeUsers(botId: number): Promise<number> {
    const [row] = await this.db
      .select({ total: sql<number>`count(distinct ${subscriptions.userId})::int` })
      .from(subscriptions)
      .where(and(eq(subscriptions.botId, botId), eq(subscriptions.status, 'Active'), or(isNull(subscriptions.stopDate), gt(subscriptions.stopDate, new Date()))));
    return Number(row.total);
  }
}

function invalid(message: string): never {
  throw new AppError('VALIDATION_FAILED', { message, status: 400 });
}

function toView(row: SubscriptionRow): SubscriptionView {
  return {
    uid: row.id,
    sub_uid: row.subUid,
    user_id: row.telegramId,
    telegram_id: row.telegramId,
    status: row.status,
    is_trial: row.isTrial,
    start_date: row.startDate.toISOString(),
    stop_date: row.stopDate ? row.stopDate.toISOString() : null,
    meta: row.meta,
    keys: row.keys,
  };
}
