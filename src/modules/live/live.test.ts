import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { BOOTSTRAP_KEY, buildTestApp, type TestApp } from '../../../test/app.ts';
import { createKey } from '../../../test/ops.ts';

const GROUP = -1009300000001;
const OTHER = -1009300000002;

/** Collects a socket's JSON messages; `next` waits for one matching the predicate. */
function collect(socket: WebSocket) {
  const messages: any[] = [];
  const waiters: (() => void)[] = [];
  socket.on('message', (raw) => {
    messages.push(JSON.parse(raw.toString()));
    waiters.splice(0).forEach((w) => w());
  });
  return {
    messages,
    async next(predicate: (m: any) => boolean, timeoutMs = 5000): Promise<any> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = messages.find(predicate);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no matching message; got ${JSON.stringify(messages.map((m) => m.type))}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
    },
  };
}

describe('live logs and status over WebSocket', () => {
  let t: TestApp;
  let base: string;
  const sockets: WebSocket[] = [];
  const open = async (query: string, headers: Record<string, string> = {}) => {
    const socket = new WebSocket(`${base}/api/ws/logs${query}`, { headers });
    sockets.push(socket);
    const stream = collect(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return stream;
  };

  before(async () => {
    t = await buildTestApp({ LIVE_STATUS_INTERVAL_SECONDS: '1' });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const address = t.app.server.address() as { port: number };
    base = `ws://127.0.0.1:${address.port}`;
    for (const id of [GROUP, OTHER]) await t.app.inject({ method: 'POST', url: '/api/v2/groups', headers: t.auth, payload: { group_id: id, name: `g${id}` } });
  });
  after(async () => {
    for (const s of sockets) s.terminate();
    await t.close();
  });

  it('should refuse a connection without a valid key (401 before the upgrade)', async () => {
    const socket = new WebSocket(`${base}/api/ws/logs?api_key=wrong-key`);
    socket.on('error', () => undefined);
    const status = await new Promise<number>((resolve) => socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    assert.equal(status, 401);
    socket.terminate();
  });

  it('should stream logs at or above the level, events and status, filtered by group', async () => {
    const live = await open(`?api_key=${BOOTSTRAP_KEY}&level=warn&group_id=${GROUP}`);
    const hello = await live.next((m) => m.type === 'hello');
    assert.deepEqual(hello.filter, { level: 'warn', group_id: GROUP, types: ['log', 'event', 'status'] });

    t.deps.logger.info({ group_id: GROUP }, 'below the level');
    t.deps.logger.warn({ group_id: OTHER }, 'another group');
    t.deps.logger.warn({ group_id: GROUP, user_id: 5 }, 'flood detected');
    const log = await live.next((m) => m.type === 'log');
    assert.equal(log.msg, 'flood detected');
    assert.equal(log.level, 'warn');
    assert.equal(log.user_id, 5);
    assert.ok(Date.parse(log.time));

    await t.app.inject({ method: 'POST', url: `/api/v2/groups/${OTHER}/enforcement/warn`, headers: t.auth, payload: { user_id: 8 } });
    await t.app.inject({ method: 'POST', url: `/api/v2/groups/${GROUP}/enforcement/mute`, headers: t.auth, payload: { user_id: 9, duration: 600, reason: 'spam' } });
    const event = await live.next((m) => m.type === 'event');
    assert.equal(event.name, 'enforcement.action');
    assert.equal(event.data.group_id, GROUP);
    assert.equal(event.data.action, 'mute');
    assert.equal(event.data.user_id, 9);

    const status = await live.next((m) => m.type === 'status');
    assert.ok(status.memory_rss_bytes > 0);
    assert.ok(status.uptime_seconds >= 0);
    assert.equal(live.messages.filter((m) => m.type === 'log').length, 1);
    assert.ok(live.messages.every((m) => m.type !== 'event' || m.data.group_id === GROUP));
  });

  it("should give a group key only its groups' events, never logs or status, and accept the key as a header", async () => {
    const groupKey = await createKey(t, { scope: 'groups', group_ids: [OTHER] });
    const live = await open('?types=log,event,status', { 'x-api-key': groupKey.authorization.slice('Bearer '.length) });
    const hello = await live.next((m) => m.type === 'hello');
    assert.deepEqual(hello.filter.types, ['event']);
    t.deps.logger.error('a secret-ish error');
    await t.app.inject({ method: 'POST', url: `/api/v2/groups/${GROUP}/enforcement/warn`, headers: t.auth, payload: { user_id: 10 } });
    await t.app.inject({ method: 'POST', url: `/api/v2/groups/${OTHER}/enforcement/warn`, headers: t.auth, payload: { user_id: 11 } });
    const event = await live.next((m) => m.type === 'event');
    assert.equal(event.data.group_id, OTHER);
    assert.equal(event.data.user_id, 11);
    assert.ok(live.messages.every((m) => m.type === 'hello' || m.type === 'event'));
    assert.equal(live.messages.filter((m) => m.type === 'event').length, 1);
  });

  it('should keep the key in a query parameter out of the logs', async () => {
    const live = await open(`?api_key=${BOOTSTRAP_KEY}&types=log&level=info`);
    await live.next((m) => m.type === 'hello');
    await open(`?api_key=${BOOTSTRAP_KEY}&types=status`);
    const incoming = await live.next((m) => m.type === 'log' && typeof m.req?.url === 'string' && m.req.url.includes('types=status'));
    assert.ok(!incoming.req.url.includes(BOOTSTRAP_KEY));
    assert.match(incoming.req.url, /api_key=\[redacted\]/);
  });
});
