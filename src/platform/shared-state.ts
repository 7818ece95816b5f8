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
  close(): Promise<void>;
}

export function openSharedState(options: { redisUrl?: string; prefix: string }, logger: Logger): SharedState {
  return options.redisUrl ? new RedisSharedState(options.redisUrl, options.prefix, logger) : new MemorySharedState();
}

class MemorySharedState implements SharedState {
  private readonly claimed = new LRUCache<string, true>({ max: 100_000, ttlAutopurge: false });
  private readonly hits = new LRUCache<string, number[]>({ max: 100_000 });

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

  async close(): Promise<void> {}
}

class RedisSharedState implements SharedState {
  private readonly redis: Redis;
  private sequence = 0;

  constructor(url: string, prefix: string, logger: Logger) {
    this.redis = new Redis(url, { keyPrefix: `${prefix}shared:`, maxRetriesPerRequest: 2 });
    this.redis.on('error', (err) => logger.warn({ err: err.message }, 'redis error'));
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
