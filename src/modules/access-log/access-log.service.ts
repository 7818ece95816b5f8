import type { Logger } from 'pino';
import type { Db } from '../../db/client.ts';
import { paginated } from '../../platform/http.ts';
import { AccessLogRepo, type AccessRow, type NewAccessRow } from './access-log.repo.ts';

export interface AccessEntry {
  key_id: number | null;
  method: string;
  route: string;
  status: number;
  duration_ms: number;
  request_id: string;
  ip: string | null;
  at: Date;
}

const FLUSH_INTERVAL_MS = 1000;
const FLUSH_AT = 200;
/** If the database is down, keep at most this many entries rather than grow without bound. */
const MAX_BUFFERED = 10_000;

/**
 * The access log of API key use. `record` only appends to a buffer, so requests never wait for
 * it; the buffer is written in one insert per second (or per 200 entries) and on close.
 */
export class AccessLogService {
  private readonly repo: AccessLogRepo;
  private buffer: NewAccessRow[] = [];
  private flushing: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;

  constructor(
    db: Db,
    private readonly logger: Logger,
  ) {
    this.repo = new AccessLogRepo(db);
    this.timer = setInterval(() => void this.flush(), FLUSH_INTERVAL_MS).unref();
  }

  record(entry: AccessEntry): void {
    if (this.buffer.length >= MAX_BUFFERED) this.buffer.shift();
    this.buffer.push({
      keyId: entry.key_id,
      method: entry.method,
      route: entry.route,
      status: entry.status,
      durationMs: Math.round(entry.duration_ms),
      requestId: entry.request_id,
      ip: entry.ip,
      createdAt: entry.at,
    });
    if (this.buffer.length >= FLUSH_AT) void this.flush();
  }

  /** Writes what is buffered; one write at a time, entries kept for the next try on failure. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.buffer.length === 0) return;
      const batch = this.buffer;
      this.buffer = [];
      try {
        await this.repo.insert(batch);
      } catch (err) {
        this.logger.warn({ err: (err as Error).message, entries: batch.length }, 'access log write failed; will retry');
        this.buffer = [...batch, ...this.buffer].slice(-MAX_BUFFERED);
      }
    });
    return this.flushing;
  }

  async list(keyId: number | null | undefined, page: number, limit: number) {
    const { items, total } = await this.repo.page(keyId, limit, (page - 1) * limit);
    return paginated(items.map(toView), total, page, limit);
  }

  async removeOlderThan(retentionDays: number): Promise<number> {
    return this.repo.deleteOlderThan(new Date(Date.now() - retentionDays * 86_400_000));
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}

function toView(row: AccessRow) {
  return {
    id: row.id,
    key_id: row.keyId,
    method: row.method,
    route: row.route,
    status: row.status,
    duration_ms: row.durationMs,
    request_id: row.requestId,
    ip: row.ip,
    created_at: row.createdAt.toISOString(),
  };
}
