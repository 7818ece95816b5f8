import { LRUCache } from 'lru-cache';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';

/**
 * Short-lived state that every instance must agree on: "was this update already handled?"
 * and "how many messages did this user send in the last T seconds?". With REDIS_URL it lives
 * in Redis, so webhook updates spread over several instances are deduplicated and counted
 * together; without it (the embedded default, one process) it lives in memory.
 */
export interface SharedState {
  /**
   * True for the first caller of `key` within `ttlSeconds`, false for every repeat.
   *
   * @example
   * if (!(await shared.claimOnce(`update:${botId}:${updateId}`, 3600))) return; // a redelivery
   */
  claimOnce(key: string, ttlSeconds: number): Promise<boolean>;
  /** Gives a claim back, so the next `claimOnce` of `key` wins (an update whose work failed, to be done again). */
  release(key: string): Promise<void>;
  /**
   * Records one event at `atMs` and returns the times (ms) of the events under `key` within
   * `windowMs` of it, this one included.
   */
  recordHit(key: string, atMs: number, windowMs: number): Promise<number[]>;
  /** Forgets the events under `key` (a counter that starts again after a penalty). */
  reset(key: string): Promise<void>;
  /**
   * Takes one of `max` slots of a sliding window of `windowMs` under `key`: 0 when taken (the
   * caller may act now), otherwise the milliseconds until a slot frees. Any `windowMs` span then
   * holds at most `max` takes, across every instance (one clock: Redis's); takes are at least
   * `minGapMs` apart, so that they spread over the window instead of coming in one burst.
   *
   * @example
   * for (let wait; (wait = await shared.takeSlot('send:42', 30, 1000, 25)) > 0; ) await sleep(wait);
   */
  takeSlot(key: string, max: number, windowMs: number, minGapMs?: number): Promise<number>;
  /**
   * Reserves the next start time under `key`, `intervalMs` after the one reserved before it (or
   * now, if that is past), and returns the milliseconds to wait until it. Reservations are spaced
   * on one clock (Redis's) across every instance, so any span of `intervalMs × n` holds at most n
   * starts, and no credit builds up while idle: there is never a burst.
   *
   * @example
   * await sleep(await shared.reserveSlot('send:42', 34));
   */
  reserveSlot(key: string, intervalMs: number): Promise<number>;
  close(): Promise<void>;
}

export function openSharedState(options: { redisUrl?: string; prefix: string }, logger: Logger): SharedState {
  return options.redisUrl ? new RedisSharedState(options.redisUrl, options.prefix, logger) : new MemorySharedState();
}

class MemorySharedState implements SharedState {
  private readonly claimed = new LRUCache<string, true>({ max: 100_000, ttlAutopurge: false });
  private readonly hits = new LRUCache<string, number[]>({ max: 100_000 });
  private readonly nextSlots = new Map<string, number>();

  async claimOnce(key: string, ttlSeconds: number): Promise<boolean> {
    if (this.claimed.has(key)) return false;
    this.claimed.set(key, true, { ttl: ttlSeconds * 1000 });
    return true;
  }

  async release(key: string): Promise<void> {
    this.claimed.delete(key);
  }

  async recordHit(key: string, atMs: number, windowMs: number): Promise<number[]> {
    const times = (this.hits.get(key) ?? []).filter((t) => atMs - t < windowMs);
    times.push(atMs);
    this.hits.set(key, times);
    return times;
  }

  async reset(key: string): Promise<void> {
    this.hits.delete(key);
  }

  async takeSlot(key: string, max: number, windowMs: number, minGapMs = 0): Promise<number> {
    const now = performance.timeOrigin + performance.now();
    const taken = (this.hits.get(key) ?? []).filter((t) => now - t < windowMs);
    const newest = taken.at(-1);
    const wait =
      newest !== undefined && now - newest < minGapMs
        ? Math.max(1, Math.ceil(newest + minGapMs - now))
        : taken.length < max
          ? 0
          : Math.max(1, Math.ceil(taken[0] + windowMs - now));
    if (wait === 0) taken.push(now);
    this.hits.set(key, taken);
    return wait;
  }

  async reserveSlot(key: string, intervalMs: number): Promise<number> {
    const now = performance.timeOrigin + performance.now();
    const start = Math.max(now, this.nextSlots.get(key) ?? 0);
    this.nextSlots.set(key, start + intervalMs);
    return Math.max(0, Math.ceil(start - now));
  }

  async close(): Promise<void> {}
}

/**
 * `takeSlot` in one step on the Redis server, on its clock (instances' clocks may differ): drop the
 * takes that left the window, then take a slot if one is free, else say when the oldest leaves.
 */
const TAKE_SLOT_SCRIPT = `
local now = redis.call('TIME')
local nowMs = tonumber(now[1]) * 1000 + tonumber(now[2]) / 1000
local max, window, gap = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', nowMs - window)
local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')[2]
if newest and nowMs - tonumber(newest) < gap then
  return math.max(1, math.ceil(tonumber(newest) + gap - nowMs))
end
if redis.call('ZCARD', KEYS[1]) < max then
  redis.call('ZADD', KEYS[1], nowMs, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], math.ceil(window))
  return 0
end
local oldest = tonumber(redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2])
return math.max(1, math.ceil(oldest + window - nowMs))
`;

/**
 * `reserveSlot` in one step on the Redis server, on its clock (instances' clocks may differ): the
 * next start is the later of now and the one after the last reservation. Microseconds, so that the
 * spacing is exact (1000/30 ms is no whole number). The key outlives an idle bot by a minute.
 */
const RESERVE_SLOT_SCRIPT = `
local now = redis.call('TIME')
local nowUs = tonumber(now[1]) * 1000000 + tonumber(now[2])
local intervalUs = tonumber(ARGV[1])
local start = math.max(nowUs, tonumber(redis.call('GET', KEYS[1]) or '0'))
redis.call('SET', KEYS[1], string.format('%.0f', start + intervalUs), 'PX', math.ceil((start - nowUs + intervalUs) / 1000) + 60000)
return math.ceil((start - nowUs) / 1000)
`;

class RedisSharedState implements SharedState {
  private readonly redis: Redis & { takeSlot(key: string, max: number, windowMs: number, member: string, minGapMs: number): Promise<number>;
    reserveSlot(key: string, intervalUs: number): Promise<number>;
  };
  private sequence = 0;

  constructor(url: string, prefix: string, logger: Logger) {
    this.redis = new Redis(url, { keyPrefix: `${prefix}shared:`, maxRetriesPerRequest: 2 }) as RedisSharedState['redis'];
    this.redis.defineCommand('takeSlot', { numberOfKeys: 1, lua: TAKE_SLOT_SCRIPT });
    this.redis.defineCommand('reserveSlot', { numberOfKeys: 1, lua: RESERVE_SLOT_SCRIPT });
    this.redis.on('error', (err) => logger.warn({ err: err.message }, 'redis error'));
  }

  async takeSlot(key: string, max: number, windowMs: number, minGapMs = 0): Promise<number> {
    return Number(await this.redis.takeSlot(key, max, windowMs, `${process.pid}:${this.sequence++}:${Math.random()}`, minGapMs));
  }

  async reserveSlot(key: string, intervalMs: number): Promise<number> {
    return Number(await this.redis.reserveSlot(key, Math.round(intervalMs * 1000)));
  }

  async claimOnce(key: string, ttlSeconds: number): Promise<boolean> {
    return (await this.redis.set(key, '1', 'EX', ttlSeconds, 'NX')) === 'OK';
  }

  async release(key: string): Promise<void> {
    await this.redis.del(key);
  }

  async recordHit(key: string, atMs: number, windowMs: number): Promise<number[]> {
    // Members must be unique: two messages in the same millisecond are two hits.
    const member = `${atMs}:${process.pid}:${this.sequence++}`;
    const results = await this.redis
      .multi()
      .zadd(key, atMs, member)
      .zremrangebyscore(key, '-inf', `(${atMs - windowMs + 1}`)
      .zrangebyscore(key, atMs - windowMs + 1, '+inf', 'WITHSCORES')
      .pexpire(key, windowMs)
      .exec();
    const [error, flat] = results![2];
    if (error) throw error;
    const withScores = flat as string[];
    const times: number[] = [];
    for (let i = 1; i < withScores.length; i += 2) times.push(Number(withScores[i]));
    return times;
  }

  async reset(key: string): Promise<void> {
    await this.redis.del(key);
  }

  async close(): Promise<void> {
    await this.redis.quit();
  }
}
