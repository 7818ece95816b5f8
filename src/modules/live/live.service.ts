import pino from 'pino';
import type { Principal } from '../../platform/auth.ts';
import type { PlatformEvent, PlatformEvents } from '../../platform/events.ts';
import type { LiveLogStream, LogRecord } from '../../platform/live-logs.ts';
import type { MetricsService } from '../metrics/metrics.service.ts';

export type LiveMessageType = 'log' | 'event' | 'status';
export const LIVE_MESSAGE_TYPES: LiveMessageType[] = ['log', 'event', 'status'];

export interface LiveFilter {
  /** Lowest log level sent. */
  level: pino.Level;
  /** Only logs and events about this group. */
  groupId?: number;
  types: LiveMessageType[];
}

export type LiveMessage = Record<string, unknown> & { type: LiveMessageType | 'hello' };

/** Fields pino adds to every line that a viewer does not need. */
const DROPPED = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

/**
 * The live stream behind `/api/ws/logs`: this process's structured logs, platform events
 * (enforcement actions, GitHub deliveries) and a periodic status line, filtered per subscriber
 * by level, group and the key's tenant. Logs and status describe the whole deployment, so only
 * global keys receive them; tenant keys get the events of their bot or groups.
 */
export class LiveService {
  constructor(
    private readonly logs: LiveLogStream,
    private readonly events: PlatformEvents,
    private readonly metrics: MetricsService,
    private readonly statusIntervalSeconds: number,
  ) {}

  /**
   * Starts sending to `send` until the returned function is called.
   *
   * @example
   * const stop = live.subscribe(principal, { level: 'warn', types: ['log', 'event'] }, (m) => socket.send(JSON.stringify(m)));
   */
  subscribe(principal: Principal, filter: LiveFilter, send: (message: LiveMessage) => void): () => void {
    const global = principal.kind === 'bootstrap' || principal.scope === 'global';
    const types = new Set(filter.types.filter((t) => global || t === 'event'));
    const minLevel = pino.levels.values[filter.level];
    const stops: (() => void)[] = [];
    send({ type: 'hello', filter: { level: filter.level, group_id: filter.groupId ?? null, types: [...types] }, status_interval_seconds: this.statusIntervalSeconds });

    if (types.has('log')) {
      stops.push(
        this.logs.subscribe((record: LogRecord) => {
          if (record.level < minLevel) return;
          if (filter.groupId !== undefined && record.group_id !== filter.groupId) return;
          const fields = Object.fromEntries(Object.entries(record).filter(([k]) => !DROPPED.has(k)));
          send({ type: 'log', level: pino.levels.labels[record.level] ?? String(record.level), time: new Date(record.time).toISOString(), msg: record.msg ?? '', ...fields });
        }),
      );
    }
    if (types.has('event')) {
      stops.push(
        this.events.onAny((event: PlatformEvent) => {
          const data = event.data as Record<string, unknown>;
          if (filter.groupId !== undefined && data.group_id !== filter.groupId) return;
          if (!global && !eventInScope(principal, data)) return;
          send({ type: 'event', id: event.id, name: event.name, occurred_at: event.occurred_at, data });
        }),
      );
    }
    if (types.has('status')) {
      const tick = () => send({ type: 'status', ...this.status() });
      tick();
      const timer = setInterval(tick, this.statusIntervalSeconds * 1000);
      stops.push(() => clearInterval(timer));
    }
    return () => stops.splice(0).forEach((stop) => stop());
  }

  private status() {
    const system = this.metrics.system();
    const bots = this.metrics.bot().bots;
    return {
      at: new Date().toISOString(),
      uptime_seconds: system.process.uptime_seconds,
      cpu_percent: system.process.cpu_percent,
      memory_rss_bytes: system.process.memory.rss_bytes,
      event_loop_p99_ms: system.process.event_loop_delay.p99_ms,
      updates_per_second: bots.reduce((sum, b) => sum + b.updates_per_second, 0),
      live_subscribers: this.logs.subscriberCount,
    };
  }
}

function eventInScope(principal: Principal, data: Record<string, unknown>): boolean {
  if (principal.kind !== 'api_key') return true;
  if (principal.scope === 'bot') return data.bot_id !== undefined && data.bot_id === principal.botId;
  if (principal.scope === 'groups') return typeof data.group_id === 'number' && (principal.groupIds ?? []).includes(data.group_id);
  return true;
}
