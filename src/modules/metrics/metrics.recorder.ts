import { Counter, Histogram, type Registry } from 'prom-client';
import { LRUCache } from 'lru-cache';

/** One processed Telegram update, as the bot reports it. */
export interface UpdateSample {
  botId: number;
  /** `message`, `callback_query`, ... */
  updateType: string;
  durationMs: number;
  userId?: number | null;
  chatId?: number | null;
  /** Set when the handler failed. */
  error?: string | null;
}

export interface BotPerformance {
  bot_id: number;
  updates_total: number;
  errors_total: number;
  updates_per_second: number;
  updates_last_minute: number;
  updates_last_5m: number;
  errors_last_5m: number;
  error_rate_5m: number;
  response_time_ms: { avg: number; p50: number; p95: number; p99: number; max: number };
  updates_by_type: Record<string, number>;
  last_update_at: string | null;
}

export interface ActiveUsers {
  bot_id: number;
  active_last_5m: number;
  active_last_1h: number;
  active_last_24h: number;
  active_chats_last_24h: number;
}

export interface BotErrorSample {
  bot_id: number;
  update_type: string;
  error: string;
  at: string;
}

const WINDOW_SECONDS = 300;
const DURATION_RESERVOIR = 1000;
const RECENT_ERRORS = 100;
const DAY_MS = 86_400_000;

interface Second {
  updates: number;
  errors: number;
}

interface BotState {
  seconds: Map<number, Second>;
  /** The latest handler durations, newest last; percentiles are read from it. */
  durations: number[];
  updatesTotal: number;
  errorsTotal: number;
  byType: Record<string, number>;
  lastUpdateAt: number | null;
}

/**
 * Bot performance recorder: the bot calls `record` for every update it handled (the
 * `metricsMiddleware` in metrics.bot.ts does it for a grammY bot). Keeps a 5-minute window per
 * bot in memory for the JSON metrics routes and feeds Prometheus counters, which are the
 * cross-instance view (figures in the JSON routes are this process's).
 *
 * @example
 * recorder.record({ botId, updateType: 'message', durationMs: 12, userId: 42, chatId: -100123 });
 */
export class BotMetricsRecorder {
  private readonly bots = new Map<number, BotState>();
  private readonly lastSeenUsers = new LRUCache<string, number>({ max: 200_000 });
  private readonly lastSeenChats = new LRUCache<string, number>({ max: 50_000 });
  private readonly errors: BotErrorSample[] = [];
  private readonly updatesCounter: Counter<'bot_id' | 'update_type' | 'outcome'>;
  private readonly durationHistogram: Histogram<'bot_id'>;

  constructor(registry: Registry, private readonly now: () => number = Date.now) {
    this.updatesCounter = new Counter({
      name: 'tgbase_bot_updates_total',
      help: 'Telegram updates handled, by bot, update type and outcome',
      labelNames: ['bot_id', 'update_type', 'outcome'] as const,
      registers: [registry],
    });
    this.durationHistogram = new Histogram({
      name: 'tgbase_bot_update_duration_seconds',
      help: 'Time the bot took to handle an update',
      labelNames: ['bot_id'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
  }

  record(sample: UpdateSample): void {
    const now = this.now();
    const state = this.stateOf(sample.botId);
    const second = Math.floor(now / 1000);
    const bucket = state.seconds.get(second) ?? { updates: 0, errors: 0 };
    bucket.updates++;
    if (sample.error) bucket.errors++;
    state.seconds.set(second, bucket);
    if (state.seconds.size > WINDOW_SECONDS + 10) this.prune(state, second);
    state.durations.push(sample.durationMs);
    if (state.durations.length > DURATION_RESERVOIR) state.durations.splice(0, state.durations.length - DURATION_RESERVOIR);
    state.updatesTotal++;
    state.byType[sample.updateType] = (state.byType[sample.updateType] ?? 0) + 1;
    state.lastUpdateAt = now;
    if (sample.userId) this.lastSeenUsers.set(`${sample.botId}:${sample.userId}`, now);
    if (sample.chatId) this.lastSeenChats.set(`${sample.botId}:${sample.chatId}`, now);
    if (sample.error) {
      state.errorsTotal++;
      this.errors.push({ bot_id: sample.botId, update_type: sample.updateType, error: sample.error.slice(0, 500), at: new Date(now).toISOString() });
      if (this.errors.length > RECENT_ERRORS) this.errors.shift();
    }
    const botId = String(sample.botId);
    this.updatesCounter.inc({ bot_id: botId, update_type: sample.updateType, outcome: sample.error ? 'error' : 'ok' });
    this.durationHistogram.observe({ bot_id: botId }, sample.durationMs / 1000);
  }

  /** Performance of each bot that handled updates (or only `botIds`). */
  performance(botIds?: number[]): BotPerformance[] {
    const nowSecond = Math.floor(this.now() / 1000);
    return this.selected(botIds).map(([botId, state]) => {
      let lastMinute = 0;
      let last5m = 0;
      let errors5m = 0;
      for (const [second, bucket] of state.seconds) {
        const age = nowSecond - second;
        if (age >= WINDOW_SECONDS) continue;
        last5m += bucket.updates;
        errors5m += bucket.errors;
        if (age < 60) lastMinute += bucket.updates;
      }
      return {
        bot_id: botId,
        updates_total: state.updatesTotal,
        errors_total: state.errorsTotal,
        updates_per_second: round(lastMinute / 60),
        updates_last_minute: lastMinute,
        updates_last_5m: last5m,
        errors_last_5m: errors5m,
        error_rate_5m: last5m === 0 ? 0 : round(errors5m / last5m),
        response_time_ms: summarize(state.durations),
        updates_by_type: { ...state.byType },
        last_update_at: state.lastUpdateAt === null ? null : new Date(state.lastUpdateAt).toISOString(),
      };
    });
  }

  /** Distinct users and chats seen per bot over recent windows. */
  activeUsers(botIds?: number[]): ActiveUsers[] {
    const now = this.now();
    const counts = new Map<number, { m5: number; h1: number; d1: number; chats: number }>();
    const entry = (botId: number) => counts.get(botId) ?? counts.set(botId, { m5: 0, h1: 0, d1: 0, chats: 0 }).get(botId)!;
    for (const [key, seenAt] of this.lastSeenUsers.entries()) {
      const age = now - seenAt;
      if (age >= DAY_MS) continue;
      const c = entry(Number(key.slice(0, key.indexOf(':'))));
      c.d1++;
      if (age < 3_600_000) c.h1++;
      if (age < 300_000) c.m5++;
    }
    for (const [key, seenAt] of this.lastSeenChats.entries()) {
      if (now - seenAt < DAY_MS) entry(Number(key.slice(0, key.indexOf(':')))).chats++;
    }
    const wanted = botIds ?? [...new Set([...this.bots.keys(), ...counts.keys()])];
    return wanted.sort((a, b) => a - b).map((botId) => {
      const c = counts.get(botId) ?? { m5: 0, h1: 0, d1: 0, chats: 0 };
      return {
        bot_id: botId,
        active_last_5m: c.m5,
        active_last_1h: c.h1,
        active_last_24h: c.d1,
        active_chats_last_24h: c.chats,
      };
    });
  }

  recentErrors(botIds?: number[], limit = 50): BotErrorSample[] {
    const wanted = botIds ? new Set(botIds) : null;
    return this.errors.filter((e) => !wanted || wanted.has(e.bot_id)).slice(-limit).reverse();
  }

  /** Updates handled by every bot in this process since it started. */
  get updatesTotal(): number {
    let total = 0;
    for (const state of this.bots.values()) total += state.updatesTotal;
    return total;
  }

  private selected(botIds?: number[]): [number, BotState][] {
    const entries = botIds ? botIds.map((id) => [id, this.bots.get(id) ?? emptyState()] as [number, BotState]) : [...this.bots.entries()];
    return entries.sort(([a], [b]) => a - b);
  }

  private stateOf(botId: number): BotState {
    let state = this.bots.get(botId);
    if (!state) {
      state = emptyState();
      this.bots.set(botId, state);
    }
    return state;
  }

  private prune(state: BotState, nowSecond: number): void {
    for (const second of state.seconds.keys()) if (nowSecond - second >= WINDOW_SECONDS) state.seconds.delete(second);
  }
}

function emptyState(): BotState {
  return { seconds: new Map(), durations: [], updatesTotal: 0, errorsTotal: 0, byType: {}, lastUpdateAt: null };
}

function summarize(values: number[]) {
  if (values.length === 0) return { avg: 0, p50: 0, p95: 0, p99: 0, max: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  return {
    avg: round(sorted.reduce((s, v) => s + v, 0) / sorted.length),
    p50: round(at(0.5)),
    p95: round(at(0.95)),
    p99: round(at(0.99)),
    max: round(sorted[sorted.length - 1]),
  };
}

export const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;
