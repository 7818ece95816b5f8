import { and, count, desc, eq, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { payments } from './payments.tables.ts';

export type PaymentRow = typeof payments.$inferSelect;

export interface PaymentFilter {
  botId: number;
  userId?: number;
  /** Days (YYYY-MM-DD, inclusive) in `timeZone`. */
  fromDay?: string;
  toDay?: string;
  timeZone?: string;
  status?: string;
}

export class PaymentsRepo {
  constructor(private readonly db: Executor) {}

  /** Inserts the payment unless its charge id is known: then undefined (a replay). */
  async insertOnce(row: typeof payments.$inferInsert, tx: Executor): Promise<PaymentRow | undefined> {
    const [saved] = await tx.insert(payments).values(row).onConflictDoNothing({ target: [payments.botId, payments.telegramPaymentChargeId] }).returning();
    return saved;
  }

  async findByCharge(botId: number, chargeId: string, tx: Executor = this.db): Promise<PaymentRow | undefined> {
    const [row] = await tx.select().from(payments).where(and(eq(payments.botId, botId), eq(payments.telegramPaymentChargeId, chargeId))).limit(1);
    return row;
  }

  async find(botId: number, id: number, tx: Executor = this.db): Promise<PaymentRow | undefined> {
    const [row] = await tx.select().from(payments).where(and(eq(payments.botId, botId), eq(payments.id, id)));
    return row;
  }

  async lock(botId: number, id: number, tx: Executor): Promise<PaymentRow | undefined> {
    const [row] = await tx.select().from(payments).where(and(eq(payments.botId, botId), eq(payments.id, id))).for('update');
    return row;
  }

  async update(id: number, patch: Partial<typeof payments.$inferInsert>, tx: Executor): Promise<PaymentRow> {
    const [row] = await tx.update(payments).set({ ...patch, updatedAt: new Date() }).where(eq(payments.id, id)).returning();
    return row;
  }

  private where(filter: PaymentFilter): SQL | undefined {
    const parts: SQL[] = [eq(payments.botId, filter.botId)];
    if (filter.userId !== undefined) parts.push(eq(payments.userId, filter.userId));
    const tz = filter.timeZone ?? 'UTC';
    if (filter.fromDay) parts.push(sql`${payments.createdAt} >= (${filter.fromDay}::date)::timestamp at time zone ${tz}`);
    if (filter.toDay) parts.push(sql`${payments.createdAt} < (${filter.toDay}::date + 1)::timestamp at time zone ${tz}`);
    if (filter.status) parts.push(eq(payments.status, filter.status as PaymentRow['status']));
    return and(...parts);
  }

  async page(filter: PaymentFilter, limit: number, offset: number, withTotal: boolean, tx: Executor = this.db) {
    const where = this.where(filter);
    const [items, total] = await Promise.all([
      tx.select().from(payments).where(where).orderBy(desc(payments.createdAt), desc(payments.id)).limit(limit).offset(offset),
      withTotal ? tx.select({ total: count() }).from(payments).where(where).then(([r]) => r.total) : Promise.resolve(null),
    ]);
    return { items, total };
  }

  /** Paid stars and count for a user (admin user details). */
  async totalsOf(userId: number, tx: Executor = this.db): Promise<{ count: number; stars: number }> {
    const [row] = await tx
      .select({ count: count(), stars: sql<number>`coalesce(sum(${payments.amount}), 0)::bigint` })
      .from(payments)
      .where(and(eq(payments.userId, userId), eq(payments.status, 'PAID')));
    return { count: row.count, stars: Number(row.stars) };
  }
}
