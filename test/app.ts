import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { loadConfig, type Config } from '../src/config.ts';
import { buildDeps, type Deps } from '../src/deps.ts';
import { buildApp } from '../src/app.ts';
import { jobDefinitions } from '../src/jobs.ts';
import { createLogger } from '../src/platform/logger.ts';
import { LiveLogStream } from '../src/platform/live-logs.ts';

export const BOOTSTRAP_KEY = 'test-bootstrap-key-0123456789';

export interface TestApp {
  app: FastifyInstance;
  deps: Deps;
  /** The PostgreSQL database of this app (PostgreSQL suite only); `shareWith` another app reuses it. */
  databaseUrl?: string;
  /** Authorization header for the bootstrap key. */
  auth: { authorization: string };
  /** Injects a request, with the bootstrap key unless other headers are given. */
  call(method: string, url: string, payload?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export interface BuildTestAppOptions {
  /**
   * A second instance of `first`: the same PostgreSQL database and Redis prefix (as two
   * processes of one deployment), which `first` drops on close. PostgreSQL suite only.
   */
  shareWith?: TestApp;
}

/**
 * Builds the real app for a test file. With TEST_DATABASE_URL set (the PostgreSQL + Redis
 * suite) it creates a fresh database for the file and a Redis prefix of its own; otherwise an
 * in-memory PGlite and the in-process cache.
 */
export async function buildTestApp(env: Record<string, string> = {}, options: BuildTestAppOptions = {}): Promise<TestApp> {
  const first = options.shareWith;
  if (first && !first.databaseUrl) throw new Error('shareWith needs the PostgreSQL suite (TEST_DATABASE_URL)');
  const suffix = randomBytes(6).toString('hex');
  // Only the app that created the database drops it.
  const adminUrl = first ? undefined : process.env.TEST_DATABASE_URL;
  const database = adminUrl ? await createTestDatabase(adminUrl) : undefined;
  const databaseUrl = first?.databaseUrl ?? database?.url;
  const config: Config = loadConfig({
    API_V2_KEY: BOOTSTRAP_KEY,
    DATA_DIR: 'memory://',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    PORT: '0',
    // Never real Telegram: nothing listens on the discard port, so Bot API calls fail at once as unreachable.
    TELEGRAM_API_ROOT: 'http://127.0.0.1:9',
    // What a memory:// data dir would generate, but explicit so that a second instance shares it (tokens, JWTs).
    TOKEN_ENCRYPTION_KEY: first?.deps.config.TOKEN_ENCRYPTION_KEY ?? randomBytes(32).toString('hex'),
    ...(databaseUrl && { DATABASE_URL: databaseUrl, DATABASE_POOL_MAX: '10' }),
    ...(process.env.TEST_REDIS_URL && { REDIS_URL: process.env.TEST_REDIS_URL, REDIS_PREFIX: first?.deps.config.REDIS_PREFIX ?? `tgbase-test-${suffix}:` }),
    ...env,
  });
  const liveLogs = new LiveLogStream();
  const deps = await buildDeps(config, createLogger(config.LOG_LEVEL, { live: liveLogs, liveLevel: config.LIVE_LOG_LEVEL }), { liveLogs });
  // As in main.ts: every queue exists (so routes can enqueue); tests that need workers start them.
  await deps.jobs.register(jobDefinitions(deps), false);
  const app = await buildApp(deps);
  await app.ready();
  const auth = { authorization: `Bearer ${BOOTSTRAP_KEY}` };
  return {
    app,
    deps,
    databaseUrl,
    auth,
    call: (method, url, payload, headers = auth) =>
      app.inject({ method: method as 'GET', url, headers, ...(payload !== undefined && { payload: payload as object }) }),
    async close() {
      await app.close();
      await deps.close();
      await database?.drop();
    },
  };
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** Creates a fresh PostgreSQL database (named `<prefix>_<random>`) through an admin URL. */
export async function createTestDatabase(adminUrl: string, prefix = 'tgbase_test'): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`drop database if exists ${name} with (force)`) };
}
