/**
 * Issue 2's speed goals, measured in one run beside a bare node:http server:
 *  - GET …/users/{id}/status, cache warm: ≥ 50 % of the bare server's req/s, p99 < 10 ms, 50 connections
 *  - enforcement POST: ≥ 1,000/s on PostgreSQL
 *  - bulk insert of 1000 actions: < 200 ms
 * Runs against the embedded default (PGlite) and, when reachable, PostgreSQL + Redis
 * (BENCH_DATABASE_URL, BENCH_REDIS_URL; defaults are this machine's services).
 *
 *   npm run bench:moderation            # both modes
 *   BENCH_MODES=pglite npm run bench:moderation
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import pg from 'pg';

const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 50;
const KEY = 'bench-key-0123456789abcdef';
const GROUP = -1009999999999;
const PG_ADMIN = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };

function start(command: string, args: string[], env: Record<string, string>): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout!.on('data', (chunk: Buffer) => {
      const match = /listening (\d+)/.exec(chunk.toString());
      if (match) resolve({ child, port: Number(match[1]) });
    });
    child.on('exit', (code) => reject(new Error(`${command} exited ${code}`)));
  });
}

async function load(url: string, options: Partial<autocannon.Options> = {}) {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: DURATION, ...options });
  return { rps: Math.round(result.requests.average), p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.non2xx };
}

async function json(base: string, method: string, path: string, body?: unknown) {
  const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

async function benchMode(mode: 'pglite' | 'postgres', bareRps: number) {
  // The per-key rate limit stays on (its cost is measured) but high enough not to answer 429.
  const env: Record<string, string> = { API_V2_KEY: KEY, DATA_DIR: 'memory://', RATE_LIMIT_PER_MINUTE: '100000000' };
  let database: string | undefined;
  if (mode === 'postgres') {
    database = `tgbase_bench_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: PG_ADMIN });
    await admin.connect();
    await admin.query(`create database ${database}`);
    await admin.end();
    const url = new URL(PG_ADMIN);
    url.pathname = `/${database}`;
    Object.assign(env, { DATABASE_URL: url.toString(), REDIS_URL: REDIS, REDIS_PREFIX: `${database}:`, DATABASE_POOL_MAX: '20' });
  }
  const server = await start(process.execPath, ['--import', 'tsx', 'bench/serve.ts'], env);
  const base = `http://127.0.0.1:${server.port}`;
  try {
    await json(base, 'POST', '/api/v2/groups', { group_id: GROUP, name: 'bench' });
    await json(base, 'POST', `/api/v2/groups/${GROUP}/enforcement/mute`, { user_id: 42, duration: 3600 });
    await json(base, 'GET', `/api/v2/groups/${GROUP}/users/42/status`);

    const status = await load(`${base}/api/v2/groups/${GROUP}/users/42/status`, { headers });
    let n = 0;
    const enforcement = await load(`${base}/api/v2/groups/${GROUP}/enforcement/mute`, {
      method: 'POST',
      headers,
      requests: [
        {
          setupRequest: (req) => {
            n++;
            return { ...req, path: `/api/v2/groups/${GROUP}/enforcement/${n % 2 ? 'mute' : 'unmute'}`, body: JSON.stringify({ user_id: 100_000 + (n % 5000), reason: 'bench' }) };
          },
        },
      ],
    });
    const bulkTimes: number[] = [];
    const actions = Array.from({ length: 1000 }, (_, i) => ({ user_id: 1_000_000 + i, admin_id: 1, action: 'warn', reason: 'bulk' }));
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      await json(base, 'POST', `/api/v2/groups/${GROUP}/actions/bulk`, { actions });
      bulkTimes.push(performance.now() - t0);
    }
    bulkTimes.sort((a, b) => a - b);
    return {
      mode,
      status_rps: status.rps,
      status_vs_bare: `${Math.round((status.rps / bareRps) * 100)} %`,
      status_p50_ms: status.p50,
      status_p99_ms: status.p99,
      status_errors: status.errors,
      enforcement_rps: enforcement.rps,
      enforcement_p99_ms: enforcement.p99,
      enforcement_errors: enforcement.errors,
      bulk_1000_median_ms: Math.round(bulkTimes[10]),
      bulk_1000_max_ms: Math.round(bulkTimes.at(-1)!),
    };
  } finally {
    server.child.kill('SIGTERM');
    await new Promise((r) => server.child.once('exit', r));
    if (database) {
      const admin = new pg.Client({ connectionString: PG_ADMIN });
      await admin.connect();
      await admin.query(`drop database if exists ${database} with (force)`);
      await admin.end();
    }
  }
}

const modes = (process.env.BENCH_MODES ?? 'pglite,postgres').split(',') as ('pglite' | 'postgres')[];
const bare = await start(process.execPath, ['bench/bare-server.mjs'], {});
const baseline = await load(`http://127.0.0.1:${bare.port}/`);
bare.child.kill();
console.log(`bare node:http   ${baseline.rps} req/s  p50 ${baseline.p50} ms  p99 ${baseline.p99} ms  (${CONNECTIONS} connections, ${DURATION} s)`);
const rows = [];
for (const mode of modes) rows.push(await benchMode(mode, baseline.rps));
console.table(rows);
