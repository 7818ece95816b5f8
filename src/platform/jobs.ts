import PgBoss from 'pg-boss';
import type { PGlite } from '@electric-sql/pglite';
import type { Logger } from 'pino';
import { withAdvisoryLock, type Database } from '../db/client.ts';

/**
 * A job definition: name `domain.verb`, a versioned payload, and its handler. Jobs run on
 * pg-boss, which keeps them in PostgreSQL (or PGlite in the embedded default): they survive
 * restarts, retry with backoff, and run once even with several workers.
 *
 * pg-boss is held at 10.x, the last line whose declared engines include Node 20; the worker
 * loop, heartbeats, per-job results and the retry delay cap (built into 12.x) live here.
 */
export interface JobDefinition<P extends object = object> {
  name: string;
  version: number;
  handle: (payload: P) => Promise<void>;
  /** Cron schedule (5 fields) for recurring jobs. */
  cron?: string;
  /** IANA time zone the cron schedule is read in (UTC by default). */
  cronTimeZone?: string;
  retryLimit?: number;
  /** First retry delay in seconds; doubles (with jitter) on each retry up to `retryDelayMax`. */
  retryDelay?: number;
  retryDelayMax?: number;
  /** Exponential backoff between retries (default true). */
  retryBackoff?: boolean;
  /** A job active longer than this is considered lost and retried (default 15 minutes). */
  expireInSeconds?: number;
  /**
   * Long-running jobs: the worker refreshes a heartbeat; a job whose worker died is retried once
   * the heartbeat is this many seconds stale, instead of waiting for `expireInSeconds`.
   */
  heartbeatSeconds?: number;
  /**
   * pg-boss queue policy. `short`: at most one queued job per singleton key (later sends with the
   * key are dropped while one waits), any number active. Default `standard`.
   */
  policy?: 'standard' | 'short' | 'singleton' | 'stately';
  /** Jobs each worker process runs at the same time (default 1). */
  localConcurrency?: number;
  /** Jobs fetched per poll; each settles on its own (default 1). */
  batchSize?: number;
  /** Idle poll interval of the worker, seconds (>= 0.5; default 1). */
  pollingIntervalSeconds?: number;
}

/** What enqueuing needs: a job's name and payload version (services enqueue without holding handlers). */
export type JobRef<P extends object = object> = Pick<JobDefinition<P>, 'name' | 'version'>;

export function defineJob<P extends object>(definition: JobDefinition<P>): JobDefinition<P> {
  return definition;
}

export interface SendOptions {
  /** Seconds from now, or a moment: the job waits until then (delayed jobs). */
  startAfter?: number | Date;
  /** On a `short` queue, at most one queued job per key: a second send is dropped (returns null). */
  singletonKey?: string;
}

/** The pg-boss schema version this engine writes; a newer one was made by a later pg-boss. */
const SUPPORTED_SCHEMA_VERSION = 24;

/** The advisory lock queue creation runs under on PostgreSQL (any constant shared by every tgbase process). */
const QUEUE_SETUP_LOCK_KEY = 0x7467_6a6f_6273;

type FetchedJob = { id: string; data: { version?: number } & object };

export class Jobs {
  private stopping = false;
  private readonly loops: Promise<void>[] = [];
  private readonly wakers = new Set<() => void>();
  /** Jobs this process is running, by queue: failed on shutdown when their handler outlives the grace period. */
  private readonly running = new Map<string, Set<string>>();

  private constructor(
    readonly boss: PgBoss,
    private readonly schema: string,
    private readonly logger: Logger,
    /** PostgreSQL's URL; none for PGlite, which one process owns. */
    private readonly databaseUrl?: string,
  ) {}

  /**
   * `superviseSeconds`: how often stale heartbeats and expired jobs are looked for; pg-boss's
   * default (two minutes) left a killed worker's job waiting that long.
   */
  static async open(database: Database, logger: Logger, schema = 'pgboss', superviseSeconds = 10): Promise<Jobs> {
    const supervision = { maintenanceIntervalSeconds: superviseSeconds, monitorStateIntervalSeconds: superviseSeconds };
    const boss = database.pglite
      ? new PgBoss({ db: pgliteExecutor(database.pglite), schema, ...supervision })
      : new PgBoss({ connectionString: database.url, schema, max: 4, ...supervision });
    boss.on('error', (err: Error) => logger.error({ err }, 'job engine error'));
    await assertSchemaNotNewer(boss, database, schema);
    await boss.start();
    return new Jobs(boss, schema, logger, database.pglite ? undefined : database.url);
  }

  /**
   * Registers queues and schedules; workers start only in the worker role. On PostgreSQL the
   * queues are set up under an advisory lock: pg-boss creates a table per queue, and processes
   * started together on a fresh database deadlocked doing it at once.
   */
  async register(definitions: JobDefinition<any>[], runWorkers: boolean): Promise<void> {
    const setUp = () => this.setUpQueues(definitions);
    await (this.databaseUrl ? withAdvisoryLock(this.databaseUrl, QUEUE_SETUP_LOCK_KEY, setUp) : setUp());
    if (!runWorkers) return;
    for (const def of definitions) {
      for (let i = 0; i < (def.localConcurrency ?? 1); i++) this.loops.push(this.workLoop(def));
    }
  }

  private async setUpQueues(definitions: JobDefinition<any>[]): Promise<void> {
    for (const def of definitions) {
      const queue = {
        name: def.name,
        policy: def.policy ?? 'standard',
        retryLimit: def.retryLimit ?? 3,
        retryBackoff: def.retryBackoff ?? true,
        retryDelay: def.retryDelay ?? 1,
        ...(def.expireInSeconds !== undefined && { expireInSeconds: def.expireInSeconds }),
      };
      await this.boss.createQueue(def.name, queue);
      // createQueue keeps an existing queue's options; a changed definition must still apply.
      await this.boss.updateQueue(def.name, queue);
      if (def.cron) await this.boss.schedule(def.name, def.cron, { version: def.version }, def.cronTimeZone ? { tz: def.cronTimeZone } : undefined);
    }
  }

  /**
   * Enqueues a job. Call it after the transaction that needs the job has committed.
   *
   * @example
   * await jobs.send(pollJob, { generationId }, { startAfter: 2, singletonKey: `poll:${generationId}` });
   */
  async send<P extends object>(def: JobRef<P>, payload: P, options: SendOptions = {}): Promise<string | null> {
    return this.boss.send(def.name, { ...payload, version: def.version }, options as PgBoss.SendOptions);
  }

  /** Enqueues many jobs in one statement (benchmarks, fan-out). */
  async sendMany<P extends object>(def: JobRef<P>, payloads: P[]): Promise<void> {
    await this.boss.insert(payloads.map((p) => ({ name: def.name, data: { ...p, version: def.version } })));
  }

  async close(): Promise<void> {
    this.stopping = true;
    for (const wake of this.wakers) wake();
    await Promise.race([Promise.all(this.loops), sleep(5000)]);
    // Handlers still running after the grace period: hand their jobs back for a retry now rather than at expiry.
    for (const [name, ids] of this.running) if (ids.size > 0) await this.boss.fail(name, [...ids]).catch(() => {});
    await this.boss.stop({ graceful: false });
  }

  /** One poller: fetches a batch, runs it, and fetches again at once while batches come back full. */
  private async workLoop(def: JobDefinition<any>): Promise<void> {
    const batchSize = def.batchSize ?? 1;
    const idleMs = Math.max(0.5, def.pollingIntervalSeconds ?? 1) * 1000;
    while (!this.stopping) {
      let fetched = 0;
      try {
        const jobs = (await this.boss.fetch<object>(def.name, { batchSize })) as FetchedJob[] | null;
        fetched = jobs?.length ?? 0;
        if (jobs && fetched > 0) await this.runBatch(def, jobs);
      } catch (err) {
        if (!this.stopping) this.logger.error({ err, job: def.name }, 'job worker error');
      }
      if (fetched < batchSize && !this.stopping) await this.idle(idleMs);
    }
  }

  private async runBatch(def: JobDefinition<any>, jobs: FetchedJob[]): Promise<void> {
    const ids = new Set(jobs.map((job) => job.id));
    const running = this.running.get(def.name) ?? new Set<string>();
    this.running.set(def.name, running);
    for (const id of ids) running.add(id);
    const heartbeat = def.heartbeatSeconds ? this.startHeartbeat(def, ids) : undefined;
    const completed: string[] = [];
    try {
      await Promise.all(
        jobs.map(async (job) => {
          const { version, ...payload } = job.data;
          if (version !== undefined && version !== def.version) {
            this.logger.warn({ job: def.name, version }, 'job payload version differs from handler');
          }
          try {
            await def.handle(payload);
            completed.push(job.id);
          } catch (err) {
            this.logger.warn({ err, job: def.name, jobId: job.id }, 'job failed');
            await this.boss.fail(def.name, job.id, { message: (err as Error).message });
            if (def.retryDelayMax !== undefined) await this.capRetryDelay(def.name, job.id, def.retryDelayMax);
          } finally {
            ids.delete(job.id);
          }
        }),
      );
      if (completed.length > 0) await this.boss.complete(def.name, completed);
    } finally {
      heartbeat?.stop();
      for (const job of jobs) running.delete(job.id);
    }
  }

  /**
   * pg-boss 10 expires an active job `expire_in` after it started. Moving that deadline to
   * "now + heartbeatSeconds" while the handler runs makes a dead worker's job expire (and retry)
   * once its heartbeat is stale, while `expireInSeconds` still bounds a live one.
   */
  private startHeartbeat(def: JobDefinition<any>, ids: Set<string>): { stop: () => void } {
    const beat = async () => {
      if (ids.size === 0) return;
      await this.boss
        .getDb()
        .executeSql(
          `UPDATE ${this.schema}.job SET expire_in = LEAST((now() - started_on) + $3 * interval '1 second', $4 * interval '1 second')
           WHERE name = $1 AND id = ANY($2::uuid[]) AND state = 'active'`,
          [def.name, [...ids], def.heartbeatSeconds, def.expireInSeconds ?? 900],
        )
        .catch((err: unknown) => this.logger.warn({ err, job: def.name }, 'job heartbeat failed'));
    };
    void beat();
    const timer = setInterval(() => void beat(), (def.heartbeatSeconds! * 1000) / 2);
    return { stop: () => clearInterval(timer) };
  }

  /** pg-boss 10 doubles the retry delay without a ceiling; bring a waiting retry forward to the cap. */
  private async capRetryDelay(name: string, id: string, maxSeconds: number): Promise<void> {
    await this.boss
      .getDb()
      .executeSql(
        `UPDATE ${this.schema}.job SET start_after = LEAST(start_after, now() + $3 * interval '1 second') WHERE name = $1 AND id = $2 AND state = 'retry'`,
        [name, id, maxSeconds],
      );
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.wakers.add(wake);
    });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** pg-boss on PGlite: parameterless SQL may hold several statements, which only `exec` runs. */
function pgliteExecutor(pglite: PGlite): PgBoss.Db {
  return {
    async executeSql(text: string, values?: unknown[]) {
      if (values && values.length > 0) return { rows: (await pglite.query(text, values)).rows };
      const results = await pglite.exec(text);
      return { rows: results.at(-1)?.rows ?? [] };
    },
  };
}

/**
 * A job schema written by a newer pg-boss (12.x, before the move to Node 20-compatible 10.x)
 * cannot be read by this one; say so instead of failing on the first query.
 */
async function assertSchemaNotNewer(boss: PgBoss, database: Database, schema: string): Promise<void> {
  const db = database.pglite ? boss.getDb() : undefined;
  const query = async (text: string) => (db ? (await db.executeSql(text, [])).rows : (await database.pool!.query(text)).rows);
  const [table] = await query(`SELECT to_regclass('${schema}.version') AS name`);
  if (!table?.name) return;
  const [row] = await query(`SELECT version FROM ${schema}.version`);
  const version = Number(row?.version);
  if (version > SUPPORTED_SCHEMA_VERSION) {
    throw new Error(
      `The job tables in schema "${schema}" were made by a newer pg-boss (schema ${version}; this build reads ${SUPPORTED_SCHEMA_VERSION}). ` +
        `Queued jobs there cannot be run by this version: drop the schema (DROP SCHEMA ${schema} CASCADE) and start again.`,
    );
  }
}
