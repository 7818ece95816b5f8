/**
 * Money benchmark on the database bench/seed-money.ts filled (run that first). Prints p50/p99 of
 * the bot summary and a 90-day analytics range, balance reads/s over HTTP, and confirmed
 * payments/s. Usage: BENCH_DATABASE_URL=... npx tsx bench/money.bench.ts
 */
import autocannon from 'autocannon';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../src/config.ts';
import { buildDeps } from '../src/deps.ts';
import { buildApp } from '../src/app.ts';
import { createLogger } from '../src/platform/logger.ts';
import { BENCH_BOT_ID, benchDatabaseUrl } from './seed-money.ts';

const KEY = 'bench-bootstrap-key-0123456789';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main(): Promise<void> {
  const config = loadConfig({ DATABASE_URL: benchDatabaseUrl, API_V2_KEY: KEY, LOG_LEVEL: 'silent', DATA_DIR: 'memory://', PORT: '0', HOST: '127.0.0.1', ROLES: 'api' });
  const deps = await buildDeps(config, createLogger('silent'), { jobsSchema: 'pgboss_bench' });
  const app = await buildApp(deps);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address() as { port: number };
  const base = `http://127.0.0.1:${address.port}`;
  const headers = { authorization: `Bearer ${KEY}` };

  const latency = async (label: string, url: () => string, runs = 300) => {
    for (let i = 0; i < 20; i++) await fetch(base + url(), { headers });
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      const res = await fetch(base + url(), { headers });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${label}: HTTP ${res.status}`);
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    console.log(`${label.padEnd(40)} p50 ${percentile(times, 50).toFixed(2)} ms   p99 ${percentile(times, 99).toFixed(2)} ms   (${runs} sequential requests)`);
  };

  const day = (offset: number) => new Date(Date.now() - offset * 86_400_000).toISOString().slice(0, 10);
  await latency(`GET /api/bots/${BENCH_BOT_ID}/summary`, () => `/api/bots/${BENCH_BOT_ID}/summary`);
  await latency('GET /api/analytics (90 days, UTC)', () => `/api/analytics?bot_id=${BENCH_BOT_ID}&start_date=${day(89)}&end_date=${day(0)}`);
  await latency('GET /api/analytics (90 days, Asia/Kolkata)', () => `/api/analytics?bot_id=${BENCH_BOT_ID}&start_date=${day(89)}&end_date=${day(0)}&tz=Asia/Kolkata`);
  await latency('GET /api/users (page 1, limit 100)', () => `/api/users?bot_id=${BENCH_BOT_ID}&page=1&limit=100`);
  await latency('GET /api/payments (30 days, limit 100)', () => `/api/payments?bot_id=${BENCH_BOT_ID}&start_date=${day(29)}&end_date=${day(0)}&limit=100`);

  let n = 0;
  const balance = await autocannon({
    url: base,
    connections: 20,
    duration: 8,
    headers,
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: `/api/v1/users/${1_000_000_000 + 1 + (n++ % 1_000_000)}/balance?bot_id=${BENCH_BOT_ID}` }) }],
  });
  console.log(`balance reads                            ${Math.round(balance.requests.average)} req/s, p50 ${balance.latency.p50} ms, p99 ${balance.latency.p99} ms, non-2xx ${balance.non2xx} (20 connections, 8 s)`);

  const { payments, users } = deps.services;
  const payers = 4000;
  const concurrency = 20;
  let next = 0;
  const started = performance.now();
  const stamp = Date.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < payers) {
        const i = next++;
        const telegramId = 1_000_000_000 + 600_001 + i;
        await payments.confirm(BENCH_BOT_ID, { telegram_id: telegramId, telegram_payment_charge_id: `bench-${stamp}-${i}`, total_amount: 70, invoice_payload: `stars:stars_70:${telegramId}` });
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  console.log(`confirmed payments                       ${Math.round(payers / seconds)} /s (${payers} confirms, ${concurrency} in parallel, each: payment + deposit + stats in one transaction)`);
  const check = await users.require(BENCH_BOT_ID, 1_000_000_000 + 600_001);
  console.log(`check: a payer's balance ${check.balance} = ledger sum ${await deps.services.ledger.ledgerSum(check.id)}`);

  await app.close();
  await deps.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
