import { PgBoss, fromPglite } from 'pg-boss';
import type { Logger } from 'pino';
import type { Database } from '../db/client.ts';

/**
 * A job definition: name `domain.verb`, a versioned payload, and its handler. Jobs run on
 * pg-boss, which keeps them in PostgreSQL (or PGlite in the embedded default): they survive
 * restarts, retry with backoff, and run once even with several workers.
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

export class Jobs {
  private constructor(
    readonly boss: PgBoss,
    private readonly logger: Logger,
  ) {}

  /**
   * `superviseSeconds`: how often stale heartbeats and expired jobs are looked for; pg-boss's
   * default (a minute for each of its two passes) left a killed worker's job waiting up to two.
   */
  static async open(database: Database, logger: Logger, schema = 'pgboss', superviseSeconds = 10): Promise<Jobs> {
    const supervision = { superviseIntervalSeconds: superviseSeconds, monitorIntervalSeconds: superviseSeconds };
    const boss = database.pglite
      ? new PgBoss({ db: fromPglite(database.pglite), schema, ...supervision } as never)
      : new PgBoss({ connectionString: database.url, schema, max: 4, ...supervision });
    boss.on('error', (err: Error) => logger.error({ err }, 'job engine error'));
    await boss.start();
    return new Jobs(boss, logger);
  }

  /** Registers queues and schedules; workers start only in the worker role. */
  async register(definitions: JobDefinition<any>[], runWorkers: boolean): Promise<void> {
    for (const def of definitions) {
      const queue = {
        retryLimit: def.retryLimit ?? 3,
        retryBackoff: def.retryBackoff ?? true,
        retryDelay: def.retryDelay ?? 1,
        ...(def.retryDelayMax !== undefined && { retryDelayMax: def.retryDelayMax }),
        ...(def.expireInSeconds !== undefined && { expireInSeconds: def.expireInSeconds }),
        ...(def.heartbeatSeconds !== undefined && { heartbeatSeconds: def.heartbeatSeconds }),
      };
      await this.boss.createQueue(def.name, { ...queue, policy: def.policy ?? 'standard' });
      // createQueue keeps an existing queue's options; a changed definition must still apply.
      await this.boss.updateQueue(def.name, queue);
      if (def.cron) await this.boss.schedule(def.name, def.cron, { version: def.version }, def.cronTimeZone ? { tz: def.cronTimeZone } : undefined);
      if (runWorkers) {
        const batchSize = def.batchSize ?? 1;
        const options = {
          pollingIntervalSeconds: def.pollingIntervalSeconds ?? 1,
          localConcurrency: def.localConcurrency ?? 1,
          batchSize,
          // A full batch means more work is waiting: fetch again at once instead of after the poll interval.
          burstWhenBatchFull: batchSize > 1,
          perJobResults: true,
        };
        await this.boss.work(def.name, options as never, (async (jobs: { id: string; data: { version?: number } & object }[]) =>
          Promise.all(
            jobs.map(async (job) => {
              const { version, ...payload } = job.data;
              if (version !== undefined && version !== def.version) {
                this.logger.warn({ job: def.name, version }, 'job payload version differs from handler');
              }
              try {
                await def.handle(payload);
                return { id: job.id, status: 'completed' };
              } catch (err) {
                this.logger.warn({ err, job: def.name, jobId: job.id }, 'job failed');
                return { id: job.id, status: 'failed', output: { message: (err as Error).message } };
              }
            }),
          )) as never);
      }
    }
  }

  /**
   * Enqueues a job. Call it after the transaction that needs the job has committed.
   *
   * @example
   * await jobs.send(pollJob, { generationId }, { startAfter: 2, singletonKey: `poll:${generationId}` });
   */
  async send<P extends object>(def: JobRef<P>, payload: P, options: SendOptions = {}): Promise<string | null> {
    return this.boss.send(def.name, { ...payload, version: def.version }, options as never);
  }

  /** Enqueues many jobs in one statement (benchmarks, fan-out). */
  async sendMany<P extends object>(def: JobRef<P>, payloads: P[]): Promise<void> {
    await this.boss.insert(def.name, payloads.map((p) => ({ data: { ...p, version: def.version } })));
  }

  async close(): Promise<void> {
    await this.boss.stop({ graceful: true, timeout: 5000 } as never);
  }
}
