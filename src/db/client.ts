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
}

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
  if (!inMemory) mkdirSync(options.dataDir, { recursive: true });
  const pglite = new PGlite(inMemory ? undefined : path.join(options.dataDir, 'pg'));
  await pglite.waitReady;
  const db = drizzlePglite(pglite, { schema }) as unknown as Db;
  await migratePglite(db as never, { migrationsFolder });
  return {
    db,
    kind: 'pglite',
    pglite,
    ping: async () => void (await pglite.query('select 1')),
    close: () => pglite.close(),
  };
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
 * the later ones find nothing left to do. The lock is held on a connection of its own, outside
 * the pool, so a pool of one connection still has it free for the migrations.
 */
async function migrateExclusively(url: string, db: Db): Promise<void> {
  const lock = new pg.Client({ connectionString: url });
  await lock.connect();
  try {
    await lock.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await migratePg(db as never, { migrationsFolder });
  } finally {
    // Ending the session releases the lock, also when a migration failed.
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
