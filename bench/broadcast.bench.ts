/**
 * Broadcast and job-engine benchmark on PostgreSQL against the Bot API emulator, with real tgbase
 * workers as child processes (bench/broadcast-worker.ts). Creates a throwaway database, seeds
 * 100,000 bot users with one INSERT, and prints:
 *  (a) sent msgs/s at BROADCAST_RATE_PER_SECOND=30 over a fixed 30 s window, then cancel;
 *  (b) msgs/s of a full run with the limit lifted (0);
 *  (c) a worker SIGKILLed mid-broadcast, a new one finishing it: duplicates, losses, recovery
 *      (its wait follows the rate measured before the kill);
 *  (d) jobs/s of an empty job (5,000 sent with sendMany);
 *  (e) provider "completed" → Telegram sendPhoto, median of a few generations.
 * Usage: npm run bench:broadcast (BENCH_PG_URL overrides postgres://postgres@127.0.0.1:5432/test).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { loadConfig } from '../src/config.ts';
import { buildDeps, type Deps } from '../src/deps.ts';
import { jobDefinitions } from '../src/jobs.ts';
import { defineJob } from '../src/platform/jobs.ts';
import { createLogger } from '../src/platform/logger.ts';
import { rowsOf } from '../src/db/rows.ts';
import { pollGenerationJob } from '../src/modules/generations/generations.jobs.ts';
import { startTelegramEmulator, type TelegramEmulator } from '../test/telegram-emulator.ts';
import { startFakeProvider, type FakeProvider } from '../test/fake-provider.ts';

const ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const BOT = { id: 7900001, token: '7900001:BENCHBENCHBENCHBENCHBENCHBENCHBENCH' };
const USERS = 100_000;
const FIRST_USER = 9_000_000_000;
const WINDOW_SECONDS = 30;
const EMPTY_JOBS = 5_000;
const GENERATION_SAMPLES = 7;
const TOKEN_KEY = randomBytes(32).toString('hex');
const WORKER = fileURLToPath(new URL('./broadcast-worker.ts', import.meta.url));

const figures: { figure: string; value: string; note: string }[] = [];
const report = (figure: string, value: string, note = '') => {
  figures.push({ figure, value, note });
  console.log(`  ${figure}: ${value}${note ? `  (${note})` : ''}`);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function admin<T>(query: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await query(client);
  } finally {
    await client.end();
  }
}

interface Env {
  base: Record<string, string>;
  emu: TelegramEmulator;
  deps: Deps;
}

function startWorker(env: Env, extra: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
    env: { ...process.env, ...env.base, ROLES: 'worker', ...extra },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`worker exited with ${code} before it was ready`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) {
        child.removeAllListeners('exit');
        resolve(child);
      }
    });
  });
}

async function stopWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

async function startBroadcast(env: Env, text: string): Promise<{ id: number; publicId: string; since: number }> {
  const { broadcasts } = env.deps.services;
  const draft = await broadcasts.create(BOT.id, { text }, null);
  const since = env.emu.calls.length;
  const started = await broadcasts.start(BOT.id, draft.public_id);
  if (started.total !== USERS) throw new Error(`expected ${USERS} recipients, got ${started.total}`);
  return { id: draft.id, publicId: draft.public_id, since };
}

const sendsOf = (emu: TelegramEmulator, since: number, text: string) => emu.calls.slice(since).filter((c) => c.method === 'sendMessage' && c.params.text === text);

async function waitForStatus(env: Env, publicId: string, status: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let nextProgress = Date.now() + 10_000;
  for (;;) {
    const view = await env.deps.services.broadcasts.get(BOT.id, publicId);
    if (view.status === status) return view;
    if (Date.now() > deadline) throw new Error(`broadcast stayed ${view.status} (${view.sent} sent)`);
    if (Date.now() >= nextProgress) {
      console.log(`    ${view.status}: ${view.sent} sent, ${view.failed} failed`);
      nextProgress += 10_000;
    }
    await sleep(100);
  }
}

/** (a) 30/s: sends counted by the emulator over a fixed window after the first send, then cancel. */
async function limitedRate(env: Env): Promise<void> {
  console.log('(a) broadcast at 30 msgs/s');
  const worker = await startWorker(env, { BROADCAST_RATE_PER_SECOND: '30' });
  const text = 'bench (a) limited';
  const b = await startBroadcast(env, text);
  await env.emu.waitForCall('sendMessage', (c) => c.params.text === text, { since: b.since, timeoutMs: 30_000 });
  // The first second fills the sender's pipeline: start counting after it.
  await sleep(2000);
  const from = Date.now();
  await sleep(WINDOW_SECONDS * 1000);
  const to = Date.now();
  const inWindow = sendsOf(env.emu, b.since, text).filter((c) => c.at >= from && c.at < to).length;
  report('(a) msgs/s at limit 30', (inWindow / WINDOW_SECONDS).toFixed(2), `${inWindow} sendMessage in a fixed ${WINDOW_SECONDS} s window`);
  let worstSecond = 0;
  for (let s = from; s + 1000 <= to; s += 1000) worstSecond = Math.max(worstSecond, sendsOf(env.emu, b.since, text).filter((c) => c.at >= s && c.at < s + 1000).length);
  report('(a) busiest 1 s window', String(worstSecond), 'Telegram allows about 30');
  const cancelledAt = Date.now();
  await env.deps.services.broadcasts.cancel(BOT.id, b.publicId);
  await sleep(1500);
  const after = sendsOf(env.emu, b.since, text).filter((c) => c.at > cancelledAt);
  const lastAfter = after.length > 0 ? Math.max(...after.map((c) => c.at)) - cancelledAt : 0;
  report('(a) cancel: sends after cancel', String(after.length), `last one ${lastAfter} ms after cancel`);
  const dupes = duplicates(sendsOf(env.emu, b.since, text));
  report('(a) duplicate recipients', String(dupes));
  await stopWorker(worker);
}

function duplicates(calls: { params: Record<string, unknown> }[]): number {
  const perChat = new Map<string, number>();
  for (const c of calls) perChat.set(String(c.params.chat_id), (perChat.get(String(c.params.chat_id)) ?? 0) + 1);
  return [...perChat.values()].filter((n) => n > 1).length;
}

/** (b) the limit lifted: one worker sends the whole broadcast. */
async function liftedRate(env: Env): Promise<void> {
  console.log('(b) broadcast with the limit lifted');
  const worker = await startWorker(env, { BROADCAST_RATE_PER_SECOND: '0' });
  const text = 'bench (b) lifted';
  const b = await startBroadcast(env, text);
  const first = await env.emu.waitForCall('sendMessage', (c) => c.params.text === text, { since: b.since, timeoutMs: 30_000 });
  // A run slower than the budget is measured on what it sent and cancelled, so the bench stays short.
  const done = await waitForStatus(env, b.publicId, 'completed', 120_000).catch(async () => env.deps.services.broadcasts.cancel(BOT.id, b.publicId));
  const sends = sendsOf(env.emu, b.since, text);
  const last = Math.max(...sends.map((c) => c.at));
  report('(b) msgs/s, limit lifted', ((sends.length / (last - first.at)) * 1000).toFixed(0), `${sends.length} sends in ${((last - first.at) / 1000).toFixed(1)} s, first to last${done.status === 'cancelled' ? '; not finished in 120 s, cancelled' : ''}`);
  report('(b) sent / failed / duplicates', `${done.sent} / ${done.failed} / ${duplicates(sends)}`);
  await stopWorker(worker);
}

/** (c) SIGKILL a worker 3 s into a broadcast; a fresh worker finishes it. */
async function workerCrash(env: Env): Promise<void> {
  console.log('(c) worker killed mid-broadcast');
  const rate = '0';
  const lease = '5';
  const workerEnv = { BROADCAST_RATE_PER_SECOND: rate, BROADCAST_CLAIM_LEASE_SECONDS: lease };
  const first = await startWorker(env, workerEnv);
  const text = 'bench (c) crash';
  const b = await startBroadcast(env, text);
  const firstSend = await env.emu.waitForCall('sendMessage', (c) => c.params.text === text, { since: b.since, timeoutMs: 30_000 });
  await sleep(3000);
  first.kill('SIGKILL');
  await new Promise((r) => first.once('exit', r));
  const killedAt = Date.now();
  const sentBeforeKill = sendsOf(env.emu, b.since, text).length;
  // The wait follows the rate measured before the kill: the rest at a third of that rate, plus the
  // job engine noticing the dead worker (two supervise passes) and the claim lease.
  const measuredRate = sentBeforeKill / Math.max(1, (killedAt - firstSend.at) / 1000);
  const superviseSeconds = env.deps.config.JOBS_SUPERVISE_SECONDS;
  const budgetMs = (((USERS - sentBeforeKill) / measuredRate) * 3 + 2 * superviseSeconds + Number(lease) + 60) * 1000;
  const second = await startWorker(env, workerEnv);
  const since = env.emu.calls.length;
  const resumed = await env.emu.waitForCall('sendMessage', (c) => c.params.text === text, { since, timeoutMs: budgetMs });
  const done = await waitForStatus(env, b.publicId, 'completed', budgetMs);
  const finishedAt = Date.now();
  const sends = sendsOf(env.emu, b.since, text);
  const received = new Set(sends.map((c) => Number(c.params.chat_id)));
  const writtenOff = rowsOf(
    await env.deps.database.db.execute(sql`select telegram_id from broadcast_recipients where broadcast_id = ${b.id} and state = 'failed'`),
  ).map((r) => Number(r.telegram_id));
  const neverSent = writtenOff.filter((id) => !received.has(id)).length;
  const missed = await env.deps.database.db.execute(sql`
    select count(*)::int as n from broadcast_recipients where broadcast_id = ${b.id} and state not in ('sent', 'failed')`);
  report('(c) sent before the kill', String(sentBeforeKill));
  report('(c) duplicate recipients', String(duplicates(sends)), 'recipients with more than one sendMessage');
  report('(c) written off by the lease rule', String(writtenOff.length), `lease ${lease} s; ${writtenOff.length - neverSent} of them did get the message`);
  report('(c) losses (never sent)', String(USERS - received.size), `of ${USERS}; delivered ${received.size}; ${neverSent} written off unsent, ${Number(rowsOf(missed)[0].n)} rows left unfinished`);
  report('(c) resumed sending', `${((resumed.at - killedAt) / 1000).toFixed(1)} s`, `kill → first send of the new worker (it boots, the job engine retries the dead job every ${superviseSeconds} s)`);
  report('(c) recovery', `${((finishedAt - killedAt) / 1000).toFixed(1)} s`, `kill → completed (budget ${(budgetMs / 1000).toFixed(0)} s from ${measuredRate.toFixed(0)} msgs/s before the kill); counters sent ${done.sent}, failed ${done.failed}`);
  await stopWorker(second);
}

/** (d) an empty job: 5,000 sent at once, timed until pg-boss has them all completed. */
async function emptyJobs(env: Env): Promise<void> {
  console.log('(d) job engine, empty job');
  const settings = { batchSize: 100, localConcurrency: 4, pollingIntervalSeconds: 0.5 };
  const noop = defineJob<{ n: number }>({ name: 'bench.noop', version: 1, retryLimit: 0, ...settings, handle: async () => undefined });
  await env.deps.jobs.register([noop], true);
  const started = performance.now();
  await env.deps.jobs.sendMany(noop, Array.from({ length: EMPTY_JOBS }, (_, n) => ({ n })));
  for (;;) {
    const [row] = rowsOf(await env.deps.database.db.execute(sql`select count(*)::int as done from pgboss.job where name = 'bench.noop' and state = 'completed'`));
    if (Number(row.done) >= EMPTY_JOBS) break;
    await sleep(20);
  }
  const seconds = (performance.now() - started) / 1000;
  report('(d) empty jobs/s', (EMPTY_JOBS / seconds).toFixed(0), `${EMPTY_JOBS} jobs in ${seconds.toFixed(2)} s; one worker, batch ${settings.batchSize}, concurrency ${settings.localConcurrency}`);
}

/** (e) provider "completed" → sendPhoto, measured on the emulator's clock against the fake's. */
async function generationPush(env: Env, fake: FakeProvider): Promise<void> {
  console.log('(e) generation: provider completed → Telegram push');
  const { users, ledger, generations } = env.deps.services;
  await env.deps.jobs.register([pollGenerationJob(env.deps.services)], true);
  const latencies: number[] = [];
  for (let i = 0; i < GENERATION_SAMPLES; i++) {
    const telegramId = 8_900_000_000 + i;
    const user = await users.sync(BOT.id, { telegram_id: telegramId });
    await ledger.credit(user.user.id, 100, 'deposit', `bench-deposit:${telegramId}`);
    fake.script({ kind: 'success', afterMs: 1500 + i * 300 });
    const since = env.emu.calls.length;
    const { generation } = await generations.submit(BOT.id, { telegram_id: telegramId, model_id: 'qwen', prompt: `bench ${i}`, use_trial: false });
    const photo = await env.emu.waitForCall('sendPhoto', (c) => Number(c.params.chat_id) === telegramId, { since, timeoutMs: 30_000 });
    const task = [...fake.tasks.values()].find((t) => t.input.prompt === `bench ${i}`);
    if (!task?.completesAt) throw new Error(`no provider task for generation ${generation.id}`);
    latencies.push(photo.at - task.completesAt);
  }
  latencies.sort((a, b) => a - b);
  const median = latencies[Math.floor(latencies.length / 2)];
  report('(e) completed → sendPhoto, median', `${median} ms`, `${GENERATION_SAMPLES} samples, min ${latencies[0]} max ${latencies.at(-1)} ms; polls every ${env.deps.config.GENERATION_POLL_INITIAL_SECONDS}–${env.deps.config.GENERATION_POLL_MAX_SECONDS} s`);
}

async function main(): Promise<void> {
  const started = performance.now();
  const dbName = `tgbase_bench_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`create database ${dbName}`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${dbName}`;
  const emu = await startTelegramEmulator();
  const fake = await startFakeProvider();
  const base = {
    DATABASE_URL: url.toString(),
    DATABASE_POOL_MAX: '10',
    TELEGRAM_API_ROOT: emu.apiRoot,
    TOKEN_ENCRYPTION_KEY: TOKEN_KEY,
    DATA_DIR: 'memory://',
    LOG_LEVEL: 'error',
    WAVESPEED_API_KEY: fake.apiKey,
    WAVESPEED_BASE_URL: fake.url,
    GENERATION_POLL_INITIAL_SECONDS: '0.5',
    GENERATION_POLL_MAX_SECONDS: '1',
  };
  let deps: Deps | undefined;
  try {
    deps = await buildDeps(loadConfig({ ...base, ROLES: 'api', PORT: '0' }), createLogger('error'));
    await deps.jobs.register(jobDefinitions(deps), false);
    const env: Env = { base, emu, deps };
    await deps.services.bots.register({ token: BOT.token, username: 'bench_broadcast_bot', admin_ids: [1] });
    const seeded = performance.now();
    await deps.database.db.execute(sql`
      insert into bot_users (bot_id, telegram_id, referral_code, language_code)
      select ${BOT.id}::bigint, ${FIRST_USER}::bigint + g, 'bench' || g, 'en' from generate_series(1, ${USERS}::int) g`);
    console.log(`seeded ${USERS} bot users in ${((performance.now() - seeded) / 1000).toFixed(1)} s (database ${dbName})`);

    // BENCH_PHASES=bc runs some of the phases only.
    const phases = process.env.BENCH_PHASES ?? 'abcde';
    if (phases.includes('a')) await limitedRate(env);
    emu.clearCalls();
    if (phases.includes('b')) await liftedRate(env);
    emu.clearCalls();
    if (phases.includes('c')) await workerCrash(env);
    emu.clearCalls();
    if (phases.includes('d')) await emptyJobs(env);
    if (phases.includes('e')) await generationPush(env, fake);
  } finally {
    await deps?.close();
    await emu.close();
    await fake.close();
    await admin((c) => c.query(`drop database if exists ${dbName} with (force)`));
  }
  console.log(`\nBroadcast / job engine benchmark (PostgreSQL, Bot API emulator, ${USERS.toLocaleString('en')} users)`);
  console.table(figures);
  console.log(`total ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
