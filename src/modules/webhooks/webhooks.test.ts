import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sign, verify } from '@octokit/webhooks-methods';
import { buildTestApp, type TestApp } from '../../../test/app.ts';
import { createKey, registerBot } from '../../../test/ops.ts';
import { startTelegramEmulator, type TelegramEmulator } from '../../../test/telegram-emulator.ts';
import { jobDefinitions } from '../../jobs.ts';

const GITHUB_SECRET = 'github-webhook-secret';
const NOTIFY_CHAT = -1009200000009;
const GROUP = -1009200000001;

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A local receiver for outbound webhooks: answers the queued statuses in turn, then 200. */
async function startReceiver() {
  const received: Received[] = [];
  const statuses: number[] = [];
  const waiters: (() => void)[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.statusCode = statuses.shift() ?? 200;
      res.end('ok');
      waiters.splice(0).forEach((w) => w());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return {
    url,
    received,
    statuses,
    async waitFor(count: number, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`receiver got ${received.length} of ${count} posts`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 200);
        });
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('webhooks', () => {
  let t: TestApp;
  let emu: TelegramEmulator;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let botId: number;
  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object, headers: Record<string, string> = t.auth) =>
    t.app.inject({ method, url, headers, ...(payload && { payload }) });

  before(async () => {
    emu = await startTelegramEmulator();
    receiver = await startReceiver();
    botId = 840001;
    t = await buildTestApp({
      TELEGRAM_API_ROOT: emu.apiRoot,
      GITHUB_WEBHOOK_SECRET: GITHUB_SECRET,
      GITHUB_NOTIFY_BOT_ID: String(botId),
      GITHUB_NOTIFY_CHAT_ID: String(NOTIFY_CHAT),
      WEBHOOK_RETRY_DELAY_SECONDS: '1',
      WEBHOOK_MAX_ATTEMPTS: '3',
    });
    await t.deps.jobs.register(jobDefinitions(t.deps), true);
    await registerBot(t, '840001:AAwebhooks-bot-token-0123456789');
  });
  after(async () => {
    await t.close();
    await emu.close();
    await receiver.close();
  });

  describe('GitHub', () => {
    const push = { ref: 'refs/heads/main', repository: { full_name: 'acme/bot' }, sender: { login: 'octocat' }, commits: [{ message: 'Fix welcome\n\nbody' }, { message: 'Add tests' }] };
    const deliver = async (body: string, signature: string | undefined, delivery = 'd-1') =>
      t.app.inject({
        method: 'POST',
        url: '/webhooks/github',
        headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': delivery, ...(signature && { 'x-hub-signature-256': signature }) },
        payload: body,
      });

    it('should reject a missing or wrong signature with 401 and act on nothing', async () => {
      const body = JSON.stringify(push);
      assert.equal((await deliver(body, undefined)).statusCode, 401);
      const wrong = await deliver(body, await sign('another-secret', body));
      assert.equal(wrong.statusCode, 401);
      assert.equal(wrong.json().code, 'UNAUTHORIZED');
      // Signed over different bytes: the same JSON re-serialised with spaces must not pass.
      assert.equal((await deliver(JSON.stringify(push, null, 2), await sign(GITHUB_SECRET, body))).statusCode, 401);
      assert.equal(emu.callsTo('sendMessage').length, 0);
    });

    it('should accept a signed push once, announce it in the notify chat, and ignore a redelivery', async () => {
      const body = JSON.stringify(push);
      const res = await deliver(body, await sign(GITHUB_SECRET, body));
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().data.duplicate, false);
      assert.equal(res.json().data.notified, true);
      const sent = emu.lastCall('sendMessage')!;
      assert.equal(sent.params.chat_id, NOTIFY_CHAT);
      assert.match(String(sent.params.text), /octocat pushed 2 commits to acme\/bot@main\n• Fix welcome\n• Add tests/);
      const again = await deliver(body, await sign(GITHUB_SECRET, body));
      assert.equal(again.json().data.duplicate, true);
      assert.equal(emu.callsTo('sendMessage').length, 1);
    });
  });

  describe('custom webhooks', () => {
    let token: string;
    let hookId: number;

    it('should create a mapping, show its token once, and run its action with the posted fields', async () => {
      const created = await call('POST', '/api/webhooks/custom', { name: 'deploys', action: 'send_message', chat_id: GROUP, template: 'Deployed {{service}} {{version}} by {{author.name}}' });
      assert.equal(created.statusCode, 201, created.body);
      ({ token, id: hookId } = created.json().data);
      assert.match(token, /^whk_/);
      assert.equal(created.json().data.url, `/webhooks/custom/${token}`);
      const listed = (await call('GET', '/api/webhooks/custom')).json().data;
      assert.equal(listed.length, 1);
      assert.ok(!JSON.stringify(listed).includes(token));

      const fired = await t.app.inject({ method: 'POST', url: `/webhooks/custom/${token}`, payload: { service: 'api', version: 'v2.1', author: { name: 'Ann' } } });
      assert.equal(fired.statusCode, 200, fired.body);
      assert.equal(fired.json().data.result.chat_id, GROUP);
      assert.equal(emu.lastCall('sendMessage')!.params.text, 'Deployed api v2.1 by Ann');
      assert.ok((await call('GET', `/api/webhooks/custom/${hookId}`)).json().data.last_triggered_at);
    });

    it('should answer 404 for an unknown or disabled token and stop after deletion', async () => {
      assert.equal((await t.app.inject({ method: 'POST', url: '/webhooks/custom/whk_not-a-real-token', payload: {} })).statusCode, 404);
      const sends = emu.callsTo('sendMessage').length;
      assert.equal((await call('PATCH', `/api/webhooks/custom/${hookId}`, { enabled: false })).json().data.enabled, false);
      assert.equal((await t.app.inject({ method: 'POST', url: `/webhooks/custom/${token}`, payload: { service: 'x' } })).statusCode, 404);
      await call('PATCH', `/api/webhooks/custom/${hookId}`, { enabled: true, template: null });
      const noMessage = await t.app.inject({ method: 'POST', url: `/webhooks/custom/${token}`, payload: { service: 'x' } });
      assert.equal(noMessage.statusCode, 400);
      const plain = await t.app.inject({ method: 'POST', url: `/webhooks/custom/${token}`, payload: { message: 'plain text' } });
      assert.equal(plain.statusCode, 200);
      assert.equal(emu.callsTo('sendMessage').length, sends + 1);
      assert.equal((await call('DELETE', `/api/webhooks/custom/${hookId}`)).statusCode, 200);
      assert.equal((await t.app.inject({ method: 'POST', url: `/webhooks/custom/${token}`, payload: { message: 'x' } })).statusCode, 404);
    });

    it("should hide another bot's webhook from a bot key (404)", async () => {
      await registerBot(t, '840002:AAwebhooks-bot-two-0123456789');
      const mine = (await call('POST', '/api/webhooks/custom', { bot_id: 840002, name: 'two', action: 'send_message', chat_id: GROUP })).json().data;
      const keyOne = await createKey(t, { scope: 'bot', bot_id: botId });
      assert.equal((await call('GET', `/api/webhooks/custom/${mine.id}`, undefined, keyOne)).statusCode, 404);
      assert.equal((await call('DELETE', `/api/webhooks/custom/${mine.id}`, undefined, keyOne)).statusCode, 404);
      assert.deepEqual((await call('GET', '/api/webhooks/custom', undefined, keyOne)).json().data, []);
    });
  });

  describe('outbound', () => {
    it('should deliver an enforcement event signed, retrying after a failure, and record the deliveries', async () => {
      await call('POST', '/api/v2/groups', { group_id: GROUP, name: 'Hooked', bot_id: botId });
      const created = await call('POST', '/api/webhooks/endpoints', { url: receiver.url, events: ['enforcement.action'], bot_id: botId });
      assert.equal(created.statusCode, 201, created.body);
      const { id: endpointId, secret } = created.json().data;
      receiver.statuses.push(500);

      const muted = await call('POST', `/api/v2/groups/${GROUP}/enforcement/mute`, { user_id: 77, duration: 600, reason: 'spam' });
      assert.equal(muted.statusCode, 200, muted.body);
      await receiver.waitFor(2);

      const [first, second] = receiver.received;
      assert.equal(first.headers['x-tgbase-delivery'], second.headers['x-tgbase-delivery']);
      assert.equal(second.headers['x-tgbase-event'], 'enforcement.action');
      assert.ok(await verify(secret, second.body, second.headers['x-tgbase-signature-256'] as string));
      const payload = JSON.parse(second.body);
      assert.equal(payload.event, 'enforcement.action');
      assert.equal(payload.data.action, 'mute');
      assert.equal(payload.data.user_id, 77);
      assert.equal(payload.data.bot_id, botId);
      assert.equal(payload.data.result, 'success');

      let deliveries: { status: string; attempts: number; last_status_code: number }[] = [];
      for (let i = 0; i < 50; i++) {
        deliveries = (await call('GET', `/api/webhooks/endpoints/${endpointId}/deliveries`)).json().data;
        if (deliveries[0]?.status === 'delivered') break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(deliveries.length, 1);
      assert.equal(deliveries[0].status, 'delivered');
      assert.equal(deliveries[0].attempts, 2);
      assert.equal(deliveries[0].last_status_code, 200);
    });

    it('should mark a delivery failed after the last attempt', async () => {
      const endpoint = (await call('POST', '/api/webhooks/endpoints', { url: receiver.url, events: ['github.event'] })).json().data;
      const before = receiver.received.length;
      receiver.statuses.push(503, 503, 503, 503, 503, 503);
      const body = JSON.stringify({ zen: 'Keep it logically awesome.', repository: { full_name: 'acme/bot' } });
      await t.app.inject({
        method: 'POST',
        url: '/webhooks/github',
        headers: { 'content-type': 'application/json', 'x-github-event': 'ping', 'x-github-delivery': 'ping-1', 'x-hub-signature-256': await sign(GITHUB_SECRET, body) },
        payload: body,
      });
      // The enforcement endpoint is for one bot and another event: only this endpoint gets the ping.
      await receiver.waitFor(before + 3);
      let delivery: { status: string; attempts: number; last_error: string } | undefined;
      for (let i = 0; i < 50; i++) {
        delivery = (await call('GET', `/api/webhooks/endpoints/${endpoint.id}/deliveries`)).json().data[0];
        if (delivery?.status === 'failed') break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(delivery?.status, 'failed');
      assert.equal(delivery?.attempts, 3);
      assert.equal(delivery?.last_error, 'HTTP 503');
      receiver.statuses.length = 0;
    });

    it('should keep endpoints for every bot to global keys', async () => {
      const keyOne = await createKey(t, { scope: 'bot', bot_id: botId });
      const listed = (await call('GET', '/api/webhooks/endpoints', undefined, keyOne)).json().data;
      assert.ok(listed.every((e: { bot_id: number }) => e.bot_id === botId));
      const bad = await call('POST', '/api/webhooks/endpoints', { url: 'ftp://example.com', events: ['enforcement.action'] });
      assert.equal(bad.statusCode, 400);
    });
  });
});
