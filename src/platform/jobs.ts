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
  retryLimit?: number;
  /** Seconds before the first retry; with `retryBackoff` later retries wait exponentially longer. */
  retryDelay?: number;
  retryBackoff?: boolean;
}

export function defineJob<P extends object>(definition: JobDefinition<P>): JobDefinition<P> {
  return definition;
}

export class Jobs {
  private constructor(
    readonly boss: PgBoss,
    private readonly logger: Logger,
  ) {}

  static async open(database: Database, logger: Logger, schema = 'pgboss'): Promise<Jobs> {
    const boss = database.pglite
      ? new PgBoss({ db: fromPglite(database.pglite), schema } as never)
      : new PgBoss({ connectionString: database.url, schema, max: 4 });
    boss.on('error', (err: Error) => logger.error({ err }, 'job engine error'));
    await boss.start();
    return new Jobs(boss, logger);
  }

  /** Registers queues and schedules; workers start only in the worker role. */
  async register(definitions: JobDefinition<any>[], runWorkers: boolean): Promise<void> {
    for (const def of definitions) {
      await this.boss.createQueue(def.name, { retryLimit: def.retryLimit ?? 3, retryBackoff: def.retryBackoff ?? true, ...(def.retryDelay !== undefined && { retryDelay: def.retryDelay }) } as never);
      if (def.cron) await this.boss.schedule(def.name, def.cron, { version: def.version });
      if (runWorkers) {
        await this.boss.work(def.name, { pollingIntervalSeconds: 1 } as never, (async (jobs: { data: { version?: number } & object }[]) => {
          for (const job of jobs) {
            const { version, ...payload } = job.data;
            if (version !== undefined && version !== def.version) {
              this.logger.warn({ job: def.name, version }, 'job payload version differs from handler');
            }
            await def.handle(payload);
          }
        }) as never);
      }
    }
  }

  async send<P extends object>(def: Pick<JobDefinition<P>, 'name' | 'version'>, payload: P, options: { startAfter?: number | Date; singletonKey?: string } = {}): Promise<string | null> {
    return this.boss.send(def.name, { ...payload, version: def.version }, options as never);
  }

  async close(): Promise<void> {
    await this.boss.stop({ graceful: true, timeout: 5000 } as never);
  }
}
