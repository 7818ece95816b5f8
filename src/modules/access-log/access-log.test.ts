import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { buildTestApp, type TestApp } from '../../../test/app.ts';
import { createKey } from '../../../test/ops.ts';

describe('API key rate limit and access log', () => {
  let t: TestApp;
  const get = (url: string, headers: Record<string, string>) => t.app.inject({ method: 'GET', url, headers });

  before(async () => {
    t = await buildTestApp({ RATE_LIMIT_PER_MINUTE: '8' });
  });
  after(async () => t.close());

  it('should answer 429 in the error shape once a key spends its minute, leaving other keys alone', async () => {
    const keyA = await createKey(t, { scope: 'global', access: 'read' });
    const keyB = await createKey(t, { scope: 'global', access: 'read' });
    for (let i = 0; i < 8; i++) {
      const res = await get('/api/v2/bots', keyA);
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['x-ratelimit-remaining'], String(7 - i));
    }
    const limited = await get('/api/v2/bots', keyA);
    assert.equal(limited.statusCode, 429);
    assert.equal(limited.json().success, false);
    assert.equal(limited.json().code, 'RATE_LIMITED');
    assert.ok(Number(limited.headers['retry-after']) > 0);
    assert.equal((await get('/api/v2/bots', keyB)).statusCode, 200);
    assert.equal((await get('/api/v2/bots', { authorization: 'Bearer wrong' })).statusCode, 401);
  });

  it('should log each key use with route, status and duration, written in the background', async () => {
    const keyC = await createKey(t, { scope: 'global', access: 'read' });
    const keyId = Number((await get('/api/v2/keys', t.auth)).json().data[0].id);
    await get('/api/v2/groups/-1001/settings', keyC);
    await get('/api/stats', keyC);
    await t.deps.services.accessLog.flush();
    const res = await get(`/api/access-log?key_id=${keyId}`, t.auth);
    assert.equal(res.statusCode, 200);
    const { items, total } = res.json().data;
    assert.equal(total, 2);
    assert.deepEqual(
      items.map((e: { route: string; status: number }) => [e.route, e.status]),
      [
        ['/api/stats', 200],
        ['/api/v2/groups/:group_id/settings', 404],
      ],
    );
    assert.equal(items[0].key_id, keyId);
    assert.ok(items[0].request_id);
    const bootstrap = (await get('/api/access-log?key_id=bootstrap', t.auth)).json().data;
    assert.ok(bootstrap.items.every((e: { key_id: number | null }) => e.key_id === null));
    assert.ok(bootstrap.total >= 4);
    assert.equal((await get('/api/access-log', keyC)).statusCode, 200);
    const scoped = await createKey(t, { scope: 'bot', bot_id: 1 });
    assert.equal((await get('/api/access-log', scoped)).statusCode, 403);
  });
});

describe('rate limit shared across instances', { skip: !process.env.TEST_REDIS_URL && 'needs TEST_REDIS_URL' }, () => {
  let first: TestApp;
  let second: TestApp;
  before(async () => {
    const shared = { RATE_LIMIT_PER_MINUTE: '3', REDIS_PREFIX: `tgbase-test-rl-${randomBytes(4).toString('hex')}:` };
    first = await buildTestApp(shared);
    second = await buildTestApp(shared);
  });
  after(async () => {
    await first.close();
    await second.close();
  });

  it("should count one key's requests to every instance against one limit", async () => {
    for (let i = 0; i < 3; i++) assert.equal((await first.app.inject({ method: 'GET', url: '/api/v2/bots', headers: first.auth })).statusCode, 200);
    const other = await second.app.inject({ method: 'GET', url: '/api/v2/bots', headers: second.auth });
    assert.equal(other.statusCode, 429);
  });
});
