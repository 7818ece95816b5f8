/**
 * Seeds one bot with SCALE × (1M users, 2M ledger entries, 500k payments) on PostgreSQL, with
 * generate_series, then rebuilds its stats buckets. Usage:
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/tgbase_bench SCALE=1 npx tsx bench/seed-money.ts
 */
import pg from 'pg';
import { performance } from 'node:perf_hooks';
import { openDatabase } from '../src/db/client.ts';
import { AnalyticsService } from '../src/modules/analytics/analytics.service.ts';

export const BENCH_BOT_ID = 7_777_777;
export const benchDatabaseUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/tgbase_bench';

async function main(): Promise<void> {
  const scale = Number(process.env.SCALE ?? '1');
  const users = Math.round(1_000_000 * scale);
  const payments = Math.round(500_000 * scale);
  const url = new URL(benchDatabaseUrl);
  const name = url.pathname.slice(1);
  const admin = new pg.Client({ connectionString: Object.assign(new URL(benchDatabaseUrl), { pathname: '/postgres' }).toString() });
  await admin.connect();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.query(`create database ${name}`);
  await admin.end();

  const database = await openDatabase({ url: benchDatabaseUrl, dataDir: 'memory://' });
  const pool = database.pool!;
  const step = async (label: string, text: string) => {
    const started = performance.now();
    await pool.query(text);
    console.log(`${label.padEnd(28)} ${((performance.now() - started) / 1000).toFixed(1)} s`);
  };
  const total = performance.now();
  await step('bot', `insert into bots (bot_id, title, username) values (${BENCH_BOT_ID}, 'bench', 'bench_bot'); insert into bot_admins (bot_id, telegram_id) values (${BENCH_BOT_ID}, 1)`);
  // Registrations spread over the last year; every user deposited 1000 and spent 27.
  await step(`${users} users`, `
    insert into bot_users (bot_id, telegram_id, username, referral_code, balance, created_at, last_seen_at)
    select ${BENCH_BOT_ID}, 1000000000 + i, 'user' || i, 'c' || i, 973, ts, ts
    from (select i, now() - (random() * interval '365 days') as ts from generate_series(1, ${users}) i) s`);
  await step(`${users * 2} ledger entries`, `
    insert into ledger_entries (bot_id, user_id, amount, type, balance_after, idempotency_key, created_at)
    select ${BENCH_BOT_ID}, u.id, e.amount, e.type, e.after, e.type || ':' || u.id, u.created_at + e.lag
    from bot_users u
    cross join (values (1000, 'deposit', 1000, interval '1 minute'), (-27, 'generation', 973, interval '2 minutes')) e(amount, type, after, lag)
    where u.bot_id = ${BENCH_BOT_ID}`);
  await step(`${payments} payments`, `
    insert into payments (bot_id, user_id, telegram_id, amount, credits, status, telegram_payment_charge_id, invoice_payload, created_at)
    select ${BENCH_BOT_ID}, u.id, u.telegram_id, 70, 1000, case when u.id % 50 = 0 then 'REFUNDED' else 'PAID' end, 'seed-' || u.id, 'stars:stars_70:' || u.telegram_id, u.created_at + interval '1 minute'
    from bot_users u where u.bot_id = ${BENCH_BOT_ID} and u.id <= (select min(id) from bot_users where bot_id = ${BENCH_BOT_ID}) + ${payments} - 1`);
  await step('analyze', 'analyze');
  const started = performance.now();
  await new AnalyticsService(database.db, 'UTC').rebuild(BENCH_BOT_ID);
  console.log(`${'stats buckets rebuilt'.padEnd(28)} ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const { rows } = await pool.query(`select count(*)::int as n from stats_buckets where bot_id = ${BENCH_BOT_ID}`);
  console.log(`seeded in ${((performance.now() - total) / 1000).toFixed(1)} s (scale ${scale}; ${rows[0].n} stats buckets)`);
  await database.close();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
