import { LRUCache } from 'lru-cache';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';

export type TtlSeconds<T> = number | ((value: T) => number);

interface Entry {
  value: unknown;
}

/**
 * Only store the freshly loaded value if nobody invalidated the key while it was loading;
 * otherwise a slow reader would put pre-write state back after a writer's invalidation.
 */
const SET_IF_VERSION = `
local current = redis.call('GET', KEYS[2])
if (current == false and ARGV[1] == '') or current == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0`;

/**
 * Two-level cache: L1 in-process (TTL, size-bounded), L2 Redis when configured. A write calls
 * `invalidate` after its transaction commits; Redis pub/sub tells every other instance to drop
 * its L1 copy. Loads that raced an invalidation are not stored at either level.
 */
export class Cache {
  private readonly l1: LRUCache<string, Entry>;
  /** Per-key invalidation counters: a load stores its result only if the counter is unchanged. */
  private readonly invalidations: LRUCache<string, number>;
  private readonly redis?: Redis;
  private readonly subscriber?: Redis;
  private readonly channel: string;
  private hits = 0;
  private misses = 0;
  private readonly invalidationListeners = new Set<(keys: string[]) => void>();

  constructor(
    options: { maxEntries: number; redisUrl?: string; prefix: string },
    private readonly logger: Logger,
  ) {
    this.l1 = new LRUCache({ max: options.maxEntries, ttlAutopurge: false });
    this.invalidations = new LRUCache({ max: options.maxEntries * 2 });
    this.channel = `${options.prefix}cache-invalidate`;
    if (options.redisUrl) {
      this.redis = new Redis(options.redisUrl, { keyPrefix: options.prefix, maxRetriesPerRequest: 2 });
      this.redis.defineCommand('setIfVersion', { numberOfKeys: 2, lua: SET_IF_VERSION });
      this.subscriber = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
      this.subscriber.subscribe(this.channel).catch((err) => logger.error({ err }, 'cache subscribe failed'));
      this.subscriber.on('message', (_channel, message: string) => {
        const keys = JSON.parse(message) as string[];
        for (const key of keys) this.dropLocal(key);
        this.notifyInvalidated(keys);
      });
      for (const client of [this.redis, this.subscriber]) {
        client.on('error', (err) => logger.warn({ err: err.message }, 'redis error'));
      }
    }
  }

  get hasRedis(): boolean {
    return this.redis !== undefined;
  }

  /** The Redis connection for other infrastructure (rate limits, pub/sub), when configured. */
  get redisClient(): Redis | undefined {
    return this.redis;
  }

  /**
   * Returns the cached value or loads, caches and returns it.
   *
   * @example
   * const group = await cache.getOrLoad(`group:${id}`, 3600, () => repo.findGroup(id));
   */
  async getOrLoad<T>(key: string, ttl: TtlSeconds<T>, load: () => Promise<T>): Promise<T> {
    const local = this.l1.get(key);
    if (local) {
      this.hits++;
      return local.value as T;
    }
    const versionBefore = this.invalidations.get(key) ?? 0;
    let remoteVersion = '';
    if (this.redis) {
      try {
        const [cached, version] = await this.redis.mget(key, `ver:${key}`);
        if (cached !== null) {
          const pttl = await this.redis.pttl(key);
          const value = JSON.parse(cached) as T;
          if (pttl > 0 && (this.invalidations.get(key) ?? 0) === versionBefore) {
            this.l1.set(key, { value }, { ttl: pttl });
          }
          this.hits++;
          return value;
        }
        remoteVersion = version ?? '';
      } catch (err) {
        this.logger.warn({ err: (err as Error).message, key }, 'cache L2 read failed, loading from source');
      }
    }
    this.misses++;
    const value = await load();
    const seconds = typeof ttl === 'function' ? ttl(value) : ttl;
    if (seconds <= 0 || value === undefined) return value;
    if ((this.invalidations.get(key) ?? 0) !== versionBefore) return value;
    this.l1.set(key, { value }, { ttl: seconds * 1000 });
    if (this.redis) {
      try {
        await (this.redis as Redis & { setIfVersion: (...args: unknown[]) => Promise<number> }).setIfVersion(
          key,
          `ver:${key}`,
          remoteVersion,
          JSON.stringify(value),
          Math.ceil(seconds * 1000),
        );
      } catch (err) {
        this.logger.warn({ err: (err as Error).message, key }, 'cache L2 write failed');
      }
    }
    return value;
  }

  /** Drops keys here, in Redis, and in every other instance's L1. Call after the write commits. */
  async invalidate(...keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    for (const key of keys) this.dropLocal(key);
    this.notifyInvalidated(keys);
    if (!this.redis) return;
    try {
      const multi = this.redis.multi();
      for (const key of keys) {
        multi.incr(`ver:${key}`).pexpire(`ver:${key}`, 86_400_000).del(key);
      }
      await multi.exec();
      await this.redis.publish(this.channel, JSON.stringify(keys));
    } catch (err) {
      this.logger.error({ err: (err as Error).message, keys }, 'cache invalidation in Redis failed');
    }
  }

  /**
   * Calls `listener` whenever keys are invalidated, on this instance or (through Redis pub/sub)
   * on another: a change signal that needs no channel of its own. An invalidation made here
   * may be reported twice (locally, then echoed by Redis). Returns the unsubscribe function.
   *
   * @example
   * const stop = cache.onInvalidate((keys) => keys.some((k) => k.startsWith('bot:')) && void refresh());
   */
  onInvalidate(listener: (keys: string[]) => void): () => void {
    this.invalidationListeners.add(listener);
    return () => this.invalidationListeners.delete(listener);
  }

  private notifyInvalidated(keys: string[]): void {
    for (const listener of this.invalidationListeners) {
      try {
        listener(keys);
      } catch (err) {
        this.logger.error({ err, keys }, 'cache invalidation listener failed');
      }
    }
  }

  private dropLocal(key: string): void {
    this.l1.delete(key);
    this.invalidations.set(key, (this.invalidations.get(key) ?? 0) + 1);
  }

  async status(): Promise<{ l1_entries: number; l2: 'ok' | 'down' | 'disabled'; hit_rate: number }> {
    let l2: 'ok' | 'down' | 'disabled' = 'disabled';
    if (this.redis) {
      try {
        await this.redis.ping();
        l2 = 'ok';
      } catch {
        l2 = 'down';
      }
    }
    const total = this.hits + this.misses;
    return { l1_entries: this.l1.size, l2, hit_rate: total === 0 ? 0 : this.hits / total };
  }

  async close(): Promise<void> {
    await Promise.all([this.redis?.quit(), this.subscriber?.quit()]);
  }
}
