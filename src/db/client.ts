import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import pg from 'pg';
import * as schema from './schema.ts';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.ts';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** Repos accept either the database or an open transaction. */
export type Executor = Db | Tx;

export interface Database {
  db: Db;
  kind: 'postgres' | 'pglite';
  /** The PostgreSQL URL (PostgreSQL mode). */
  url?: string;
  /** The raw PGlite instance (embedded mode), for the job engine's adapter. */
  pglite?: PGlite;
  /** The pg pool (PostgreSQL mode). */
  pool?: pg.Pool;
  /** This process's ownership of the PGlite data folder (embedded mode on disk). */
  dataDirLock?: DataDirLock;
  ping(): Promise<void>;
  close(): Promise<void>;
}

const migrationsFolder = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations');

// Telegram ids and counts exceed 2^31; node-postgres returns int8 as string by default.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export interface OpenDatabaseOptions {
  url?: string;
  /** PGlite data folder; `memory://` for a throwaway instance. */
  dataDir: string;
  poolMax?: number;
  onIdleError?: (err: Error) => void;
  /** What holds the data folder (`server`, `keys`…), named to a second process that tries to open it. */
  owner?: string;
}

/** The embedded database could not be opened; the message says what to do, the cause keeps the detail. */
export class EmbeddedDatabaseError extends Error {}

/** Opens PostgreSQL when a URL is given, else PGlite, and applies pending migrations. */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  if (options.url) {
    const pool = new pg.Pool({ connectionString: options.url, max: options.poolMax ?? 20 });
    // An idle connection dropped by the server must not crash the process; the pool replaces it.
    pool.on('error', (err) => options.onIdleError?.(err));
    const db = drizzlePg(pool, { schema }) as unknown as Db;
    await migrateExclusively(options.url, db);
    return {
      db,
      kind: 'postgres',
      url: options.url,
      pool,
      ping: async () => void (await pool.query('select 1')),
      close: () => endPool(pool),
    };
  }
  const inMemory = options.dataDir.startsWith('memory://');
  if (inMemory) return openPglite(new PGlite());
  mkdirSync(options.dataDir, { recursive: true });
  const lock = acquireDataDirLock(options.dataDir, options.owner ?? 'server');
  const folder = path.join(options.dataDir, 'pg');
  try {
    const database = await openPglite(new PGlite(folder), folder);
    const close = async () => {
      try {
        await database.close();
      } finally {
        lock.release();
      }
    };
    return { ...database, dataDirLock: lock, close };
  } catch (err) {
    lock.release();
    throw err;
  }
}

async function openPglite(pglite: PGlite, folder?: string): Promise<Database> {
  try {
    await pglite.waitReady;
  } catch (err) {
    await pglite.close().catch(() => {});
    const reason = err instanceof Error ? err.message : String(err);
    throw new EmbeddedDatabaseError(
      `The embedded database in ${folder} could not be opened (${reason}). It is damaged if two processes wrote it at once or the machine stopped mid-write. ` +
        `To recover: restore ${folder} from a backup, or move it aside (mv ${folder} ${folder}.broken) to start with an empty database.`,
      { cause: err },
    );
  }
  const db = drizzlePglite(pglite, { schema }) as unknown as Db;
  try {
    await migratePglite(db as never, { migrationsFolder });
  } catch (err) {
    await pglite.close().catch(() => {});
    throw err;
  }
  return { db, kind: 'pglite', pglite, ping: async () => void (await pglite.query('select 1')), close: () => pglite.close() };
}

/**
 * pool.end() resolves once it has asked each client to end, before their sockets close; wait for
 * every client's removal too, so a caller dropping the database next does not cut live connections.
 */
/** Any constant shared by every tgbase process: the advisory lock migrations run under. */
const MIGRATION_LOCK_KEY = 0x7467_6261_7365;

/**
 * Applies pending migrations while holding an advisory lock. Processes started together (api,
 * bot, worker) would otherwise run the same DDL at once and fail on a fresh database; in turn,
 * the later ones find nothing left to do.
 */
async function migrateExclusively(url: string, db: Db): Promise<void> {
  await withAdvisoryLock(url, MIGRATION_LOCK_KEY, () => migratePg(db as never, { migrationsFolder }));
}

/**
 * Runs `work` while this process holds the PostgreSQL advisory lock `key`, so that processes
 * started together do not run the same DDL at once (which fails or deadlocks). The lock is held
 * on a connection of its own, outside any pool, so a pool of one connection is still free for
 * the work; ending that session releases the lock, also when the work failed.
 */
export async function withAdvisoryLock<T>(url: string, key: number, work: () => Promise<T>): Promise<T> {
  const lock = new pg.Client({ connectionString: url });
  await lock.connect();
  try {
    await lock.query('select pg_advisory_lock($1)', [key]);
    return await work();
  } finally {
    await lock.end();
  }
}

async function endPool(pool: pg.Pool): Promise<void> {
  let pending = pool.totalCount;
  const allRemoved = new Promise<void>((resolve) => {
    if (pending === 0) resolve();
    pool.on('remove', () => {
      if (--pending <= 0) resolve();
    });
  });
  await pool.end();
  await Promise.race([allRemoved, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
}
