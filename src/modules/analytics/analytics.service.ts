import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { rowsOf } from '../../db/rows.ts';
import { AppError } from '../../platform/errors.ts';

export interface DayCounts {
  date: string;
  registrations: number;
  payments: number;
  revenue: number;
  refunds: number;
  trials: number;
  keys: number;
  renewals: number;
  subscriptions: number;
  generations: number;
  generation_credits: number;
}

const DAY_MS = 86_400_000;
const MAX_RANGE_DAYS = 366;
const COUNTERS = ['registrations', 'payments', 'revenue', 'refunds', 'trials', 'keys', 'renewals', 'subscriptions', 'generations', 'generation_credits'] as const;

const badRequest = (message: string) => new AppError('VALIDATION_FAILED', { message, status: 400 });

/** Checks an IANA time zone name; 400 otherwise. */
export function assertTimeZone(tz: string): string {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return tz;
  } catch {
    throw badRequest(`Unknown time zone "${tz}" (use an IANA name such as Europe/Moscow)`);
  }
}

/** A calendar date `YYYY-MM-DD` that exists (2024-02-30 does not); 400 otherwise. */
export function parseDay(value: string, field: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const date = match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))) : null;
  if (!date || date.toISOString().slice(0, 10) !== value) throw badRequest(`${field} must be a date YYYY-MM-DD, got "${value}"`);
  return value;
}

/** The days from `start` to `end` inclusive, checked: ordered and at most a year. */
export function dayRange(start: string, end: string): string[] {
  parseDay(start, 'start_date');
  parseDay(end, 'end_date');
  const from = Date.parse(`${start}T00:00:00Z`);
  const to = Date.parse(`${end}T00:00:00Z`);
  if (to < from) throw badRequest('end_date must not be before start_date');
  const count = (to - from) / DAY_MS + 1;
  if (count > MAX_RANGE_DAYS) throw badRequest(`The range may span at most ${MAX_RANGE_DAYS} days`);
  return Array.from({ length: count }, (_, i) => new Date(from + i * DAY_MS).toISOString().slice(0, 10));
}

/** Today's date in a time zone, YYYY-MM-DD. */
export function todayIn(tz: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
}

/**
 * Per-bot analytics, read from the 15-minute stats buckets: days in any time zone are exact sums
 * of buckets, so a 90-day chart reads a few thousand rows whatever the bot's size.
 */
export class AnalyticsService {
  constructor(
    private readonly db: Db,
    readonly defaultTimeZone: string,
  ) {}

  /** Counters per day from `start` to `end` (dates in `tz`), every day present, zeros included. */
  async daily(botId: number, start: string, end: string, tz = this.defaultTimeZone): Promise<DayCounts[]> {
    const days = dayRange(start, end);
    assertTimeZone(tz);
    const result = await this.db.execute(sql`
      select to_char((bucket_start at time zone ${tz})::date, 'YYYY-MM-DD') as day,
        sum(registrations)::int as registrations, sum(payments)::int as payments, sum(revenue)::bigint as revenue,
        sum(refunds)::int as refunds, sum(trials)::int as trials, sum(keys)::int as keys, sum(renewals)::int as renewals,
        sum(subscriptions)::int as subscriptions, sum(generations)::int as generations, sum(generation_credits)::bigint as generation_credits
      from stats_buckets
      where bot_id = ${botId}
        and bucket_start >= (${start}::date)::timestamp at time zone ${tz}
        and bucket_start < (${end}::date + 1)::timestamp at time zone ${tz}
      group by 1`);
    const byDay = new Map(rowsOf(result).map((r) => [String(r.day), r]));
    return days.map((date) => {
      const row = byDay.get(date);
      const counts = { date } as DayCounts;
      for (const c of COUNTERS) counts[c] = row ? Number(row[c] ?? 0) : 0;
      return counts;
    });
  }

  /** The last `days` days up to today in `tz`. */
  async lastDays(botId: number, days: number, tz = this.defaultTimeZone): Promise<DayCounts[]> {
    const end = todayIn(assertTimeZone(tz));
    const start = new Date(Date.parse(`${end}T00:00:00Z`) - (days - 1) * DAY_MS).toISOString().slice(0, 10);
    return this.daily(botId, start, end, tz);
  }

  /** Sums of every counter since `since` (all time when null). */
  async totals(botId: number, since: Date | null = null): Promise<Omit<DayCounts, 'date'>> {
    const result = await this.db.execute(sql`
      select coalesce(sum(registrations), 0)::bigint as registrations, coalesce(sum(payments), 0)::bigint as payments,
        coalesce(sum(revenue), 0)::bigint as revenue, coalesce(sum(refunds), 0)::bigint as refunds, coalesce(sum(trials), 0)::bigint as trials,
        coalesce(sum(keys), 0)::bigint as keys, coalesce(sum(renewals), 0)::bigint as renewals, coalesce(sum(subscriptions), 0)::bigint as subscriptions,
        coalesce(sum(generations), 0)::bigint as generations, coalesce(sum(generation_credits), 0)::bigint as generation_credits
      from stats_buckets
      where bot_id = ${botId} ${since ? sql`and bucket_start >= date_bin(interval '15 minutes', ${since.toISOString()}::timestamptz, timestamptz '2000-01-01 00:00:00+00')` : sql``}`);
    const [row] = rowsOf(result);
    const totals = {} as Omit<DayCounts, 'date'>;
    for (const c of COUNTERS) totals[c] = Number(row[c] ?? 0);
    return totals;
  }

  /** Seed 002's summary figures. Revenue is in Stars, net of refunds. */
  async summary(botId: number, activeUsers: number) {
    const [all, month] = await Promise.all([this.totals(botId), this.totals(botId, new Date(Date.now() - 30 * DAY_MS))]);
    return {
      total_users: all.registrations,
      active_users: activeUsers,
      new_users_month: month.registrations,
      total_revenue: all.revenue,
      monthly_revenue: month.revenue,
      average_check: all.payments === 0 ? 0 : Math.round((all.revenue / all.payments) * 100) / 100,
    };
  }

  /** Generation spends per model over the last `days` days (from the ledger entries' meta). */
  async modelsBreakdown(botId: number, days: number) {
    const result = await this.db.execute(sql`
      select coalesce(meta->>'model_id', 'unknown') as model_id, count(*)::int as generations, coalesce(sum(-amount), 0)::bigint as credits
      from ledger_entries
      where bot_id = ${botId} and type = 'generation' and amount < 0 and created_at >= now() - make_interval(days => ${days})
      group by 1 order by credits desc`);
    return rowsOf(result).map((r) => ({ model_id: String(r.model_id), generations: Number(r.generations), credits: Number(r.credits) }));
  }

  /** Generation refunds per day (failed generations give their credits back). */
  async generationRefundsDaily(botId: number, start: string, end: string, tz: string): Promise<Map<string, number>> {
    const result = await this.db.execute(sql`
      select to_char((created_at at time zone ${tz})::date, 'YYYY-MM-DD') as day, count(*)::int as refunds
      from ledger_entries
      where bot_id = ${botId} and type = 'refund' and amount > 0 and meta ? 'generation_id'
        and created_at >= (${start}::date)::timestamp at time zone ${tz} and created_at < (${end}::date + 1)::timestamp at time zone ${tz}
      group by 1`);
    return new Map(rowsOf(result).map((r) => [String(r.day), Number(r.refunds)]));
  }

  /** Rebuilds a bot's buckets from the source tables (after a bulk import, or to audit the counters). */
  async rebuild(botId: number): Promise<void> {
    const bucket = (column: string) => sql.raw(`date_bin(interval '15 minutes', ${column}, timestamptz '2000-01-01 00:00:00+00')`);
    await this.db.transaction(async (tx) => {
      await tx.execute(sql`delete from stats_buckets where bot_id = ${botId}`);
      await tx.execute(sql`
        insert into stats_buckets (bot_id, bucket_start, registrations, payments, revenue, refunds, trials, keys, renewals, subscriptions, generations, generation_credits)
        select ${botId}::bigint, b, sum(registrations), sum(payments), sum(revenue), sum(refunds), sum(trials), sum(keys), sum(renewals), sum(subscriptions), sum(generations), sum(generation_credits)
        from (
          select ${bucket('created_at')} as b, 1 as registrations, 0 as payments, 0 as revenue, 0 as refunds, 0 as trials, 0 as keys, 0 as renewals, 0 as subscriptions, 0 as generations, 0 as generation_credits
            from bot_users where bot_id = ${botId}
          union all
          select ${bucket('created_at')}, 0, case when status = 'PAID' then 1 else 0 end, case when status = 'PAID' then amount else 0 end, case when status = 'REFUNDED' then 1 else 0 end, 0, 0, 0, 0, 0, 0
            from payments where bot_id = ${botId}
          union all
          select ${bucket('used_at')}, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0 from trial_uses where bot_id = ${botId}
          union all
          select ${bucket('occurred_at')}, 0, 0, 0, 0, 0, case when kind = 'key' then coalesce((meta->>'count')::int, 1) else 0 end, case when kind = 'renewal' then 1 else 0 end, case when kind = 'start' then 1 else 0 end, 0, 0
            from subscription_events where bot_id = ${botId}
          union all
          select ${bucket('created_at')}, 0, 0, 0, 0, 0, 0, 0, 0, 1, -amount from ledger_entries where bot_id = ${botId} and type = 'generation' and amount < 0
        ) events
        group by b`);
    });
  }
}
