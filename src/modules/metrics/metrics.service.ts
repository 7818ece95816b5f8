import os from 'node:os';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { Database } from '../../db/client.ts';
import type { Cache } from '../../platform/cache.ts';
import type { AuditService, ActionView } from '../audit/audit.service.ts';
import type { BotsService } from '../bots/bots.service.ts';
import type { GroupsService } from '../groups/groups.service.ts';
import { round, type BotMetricsRecorder } from './metrics.recorder.ts';

export interface HttpErrorSample {
  method: string;
  route: string;
  url: string;
  status: number;
  request_id: string;
  error: string | null;
  at: string;
}

/** Event-loop delay and CPU are measured over windows of this length. */
const SAMPLE_WINDOW_MS = 10_000;
const RECENT_HTTP_ERRORS = 100;
const ns = (v: number) => round(v / 1e6);

interface Sample {
  at: number;
  cpuPercent: number;
  loop: { min_ms: number; mean_ms: number; max_ms: number; p50_ms: number; p99_ms: number };
}

/**
 * Operations metrics: the process and machine, the bots' performance (from the recorder the bot
 * feeds), active users, and recent errors (5xx answers from this process and failed actions
 * from the action log).
 */
export class MetricsService {
  private readonly startedAt = Date.now();
  private readonly loop: IntervalHistogram;
  private readonly timer: NodeJS.Timeout;
  private lastCpu = process.cpuUsage();
  private lastSampleAt = Date.now();
  private sample: Sample | null = null;
  private readonly httpErrors: HttpErrorSample[] = [];
  private requestsTotal = 0;

  constructor(
    private readonly recorder: BotMetricsRecorder,
    private readonly database: Database,
    private readonly cache: Cache,
    private readonly bots: BotsService,
    private readonly groups: GroupsService,
    private readonly audit: AuditService,
    private readonly version: string,
  ) {
    this.loop = monitorEventLoopDelay({ resolution: 10 });
    this.loop.enable();
    this.timer = setInterval(() => this.takeSample(), SAMPLE_WINDOW_MS).unref();
  }

  /** Called for every HTTP answer; 5xx answers are kept for the error view. */
  noteHttpResponse(entry: Omit<HttpErrorSample, 'at'>): void {
    this.requestsTotal++;
    if (entry.status < 500) return;
    this.httpErrors.push({ ...entry, at: new Date().toISOString() });
    if (this.httpErrors.length > RECENT_HTTP_ERRORS) this.httpErrors.shift();
  }

  async stats() {
    const [bots, groups, cache] = await Promise.all([this.bots.list(), this.groups.list({}, 1, 1), this.cache.status()]);
    let database = 'ok';
    try {
      await this.database.ping();
    } catch {
      database = 'down';
    }
    return {
      name: 'tgbase',
      version: this.version,
      started_at: new Date(this.startedAt).toISOString(),
      uptime_seconds: Math.round((Date.now() - this.startedAt) / 1000),
      database: { kind: this.database.kind, status: database },
      cache,
      bots_total: bots.length,
      bots: bots.map((b) => ({ bot_id: b.bot_id, username: b.username, title: b.title, status: b.status, has_token: b.has_token })),
      groups_total: groups.total,
      updates_handled: this.recorder.updatesTotal,
      http_requests_served: this.requestsTotal,
    };
  }

  system() {
    const memory = process.memoryUsage();
    const current = this.sample ?? this.takeSample();
    return {
      process: {
        pid: process.pid,
        node_version: process.version,
        uptime_seconds: Math.round(process.uptime()),
        cpu_percent: current.cpuPercent,
        memory: {
          rss_bytes: memory.rss,
          heap_used_bytes: memory.heapUsed,
          heap_total_bytes: memory.heapTotal,
          external_bytes: memory.external,
        },
        event_loop_delay: current.loop,
        sampled_at: new Date(current.at).toISOString(),
        window_seconds: SAMPLE_WINDOW_MS / 1000,
      },
      host: {
        hostname: os.hostname(),
        platform: process.platform,
        cpus: os.cpus().length,
        load_average: os.loadavg().map((v) => round(v, 2)),
        memory_total_bytes: os.totalmem(),
        memory_free_bytes: os.freemem(),
        uptime_seconds: Math.round(os.uptime()),
      },
    };
  }

  bot(botIds?: number[]) {
    return { bots: this.recorder.performance(botIds), recent_errors: this.recorder.recentErrors(botIds, 20) };
  }

  users(botIds?: number[]) {
    return { bots: this.recorder.activeUsers(botIds) };
  }

  async errors(limit: number): Promise<{ http: HttpErrorSample[]; failed_actions: ActionView[]; bot: ReturnType<BotMetricsRecorder['recentErrors']> }> {
    return {
      http: this.httpErrors.slice(-limit).reverse(),
      failed_actions: await this.audit.recentFailures(limit),
      bot: this.recorder.recentErrors(undefined, limit),
    };
  }

  close(): void {
    clearInterval(this.timer);
    this.loop.disable();
  }

  /** Closes the current window: CPU share of one core and event-loop delay since the last one. */
  private takeSample(): Sample {
    const now = Date.now();
    const cpu = process.cpuUsage(this.lastCpu);
    const elapsedMicros = Math.max(1, (now - this.lastSampleAt) * 1000);
    const loop = this.loop.count > 0
      ? { min_ms: ns(this.loop.min), mean_ms: ns(this.loop.mean), max_ms: ns(this.loop.max), p50_ms: ns(this.loop.percentile(50)), p99_ms: ns(this.loop.percentile(99)) }
      : { min_ms: 0, mean_ms: 0, max_ms: 0, p50_ms: 0, p99_ms: 0 };
    this.sample = { at: now, cpuPercent: round(((cpu.user + cpu.system) / elapsedMicros) * 100, 1), loop };
    this.lastCpu = process.cpuUsage();
    this.lastSampleAt = now;
    this.loop.reset();
    return this.sample;
  }
}
