import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { Cache } from './cache.ts';

const redisUrl = process.env.TEST_REDIS_URL;
const logger = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('two-level cache', () => {
  const prefix = `cache-test-${randomBytes(4).toString('hex')}:`;
  const a = new Cache({ maxEntries: 100, redisUrl, prefix }, logger);
  const b = new Cache({ maxEntries: 100, redisUrl, prefix }, logger);
  after(async () => {
    await a.close();
    await b.close();
  });

  it('should load once and serve later reads from cache until invalidated', async () => {
    let loads = 0;
    const load = async () => ({ n: ++loads });
    assert.deepEqual(await a.getOrLoad('k1', 60, load), { n: 1 });
    assert.deepEqual(await a.getOrLoad('k1', 60, load), { n: 1 });
    await a.invalidate('k1');
    assert.deepEqual(await a.getOrLoad('k1', 60, load), { n: 2 });
  });

  it('should expire entries after their TTL', async () => {
    let loads = 0;
    await a.getOrLoad('k2', 1, async () => ++loads);
    await sleep(1100);
    assert.equal(await a.getOrLoad('k2', 1, async () => ++loads), 2);
  });

  it('should not store a value whose load raced an invalidation', async () => {
    let release!: () => void;
    const slow = a.getOrLoad('k3', 60, () => new Promise<string>((r) => (release = () => r('stale'))));
    await sleep(10);
    await a.invalidate('k3');
    release();
    assert.equal(await slow, 'stale');
    assert.equal(await a.getOrLoad('k3', 60, async () => 'fresh'), 'fresh');
  });

  it('should drop other instances\' copies when a key is invalidated (Redis pub/sub)', { skip: !redisUrl && 'needs TEST_REDIS_URL' }, async () => {
    await a.getOrLoad('shared', 60, async () => 'v1');
    assert.equal(await b.getOrLoad('shared', 60, async () => 'from-b'), 'v1', 'b reads a\'s value from L2');
    await a.invalidate('shared');
    await sleep(100);
    assert.equal(await b.getOrLoad('shared', 60, async () => 'v2'), 'v2');
    assert.equal((await a.status()).l2, 'ok');
  });
});
