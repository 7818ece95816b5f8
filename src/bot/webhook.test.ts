import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { BOT_ID, BOT_TOKEN, startTestBot, type TestBot } from '../../test/bot.ts';

const GROUP = -1002223334445;
const OWNER = { id: 1, is_bot: false, first_name: 'Owner' };

describe('bot in webhook mode', () => {
  let b: TestBot;

  before(async () => {
    b = await startTestBot({ BOT_MODE: 'webhook', BOT_WEBHOOK_URL: 'http://127.0.0.1:1', BOT_WEBHOOK_SECRET: 'webhook-secret-0123456789' });
  });
  after(async () => b.close());

  it('should set the webhook with a per-bot secret_token and the updates the bot needs', async () => {
    const set = b.emu.lastCall('setWebhook')!;
    assert.equal(set.params.url, `http://127.0.0.1:1/telegram/${BOT_ID}`);
    assert.equal(set.params.secret_token, b.runner.secretFor(BOT_ID));
    assert.deepEqual(set.params.allowed_updates, ['message', 'edited_message', 'callback_query', 'chat_member', 'my_chat_member', 'pre_checkout_query']);
  });

  it('should refuse a wrong secret and ignore a redelivered update_id', async () => {
    const { buildApp } = await import('../app.ts');
    const app = await buildApp(b.t.deps, { botRunner: b.runner });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/telegram/${BOT_ID}`;
    b.emu.addChat({ id: GROUP, type: 'supergroup', title: 'Hooked', members: [{ user: OWNER, status: 'creator' }] });
    const update = { update_id: 777, message: { message_id: 5, date: Math.floor(Date.now() / 1000), chat: { id: GROUP, type: 'supergroup', title: 'Hooked' }, from: OWNER, text: '/help', entities: [{ type: 'bot_command', offset: 0, length: 5 }] } };
    const post = (secret: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret }, body: JSON.stringify(update) });

    assert.equal((await post('wrong-secret')).status, 401);
    assert.equal(b.emu.callsTo('sendMessage').length, 0);

    const since = b.emu.calls.length;
    assert.equal((await post(b.runner.secretFor(BOT_ID))).status, 200);
    assert.equal((await post(b.runner.secretFor(BOT_ID))).status, 200);
    await b.waitFor('sendMessage', (c) => c.params.chat_id === GROUP, { since });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(b.emu.callsTo('sendMessage').filter((c) => c.index >= since).length, 1);
    assert.equal(b.emu.pendingUpdates(BOT_TOKEN).length, 0);
    await app.close();
  });

  it('should drop an update redelivered to another instance (shared through Redis)', { skip: !process.env.TEST_REDIS_URL && 'needs TEST_REDIS_URL' }, async () => {
    const { buildApp } = await import('../app.ts');
    const { BotRunner } = await import('./runner.ts');
    const { openSharedState } = await import('../platform/shared-state.ts');
    const { config, logger } = b.t.deps;
    // A second instance: its own runner, app and connection to the same Redis.
    const shared = openSharedState({ redisUrl: config.REDIS_URL, prefix: config.REDIS_PREFIX }, logger);
    const second = new BotRunner({ ...b.t.deps, shared }, () => b.t.deps.services.bots.activeTokens());
    await second.start();
    const apps = await Promise.all([buildApp(b.t.deps, { botRunner: b.runner }), buildApp({ ...b.t.deps, shared }, { botRunner: second })]);
    const urls: string[] = [];
    for (const app of apps) {
      await app.listen({ host: '127.0.0.1', port: 0 });
      urls.push(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}/telegram/${BOT_ID}`);
    }
    const update = { update_id: 888, message: { message_id: 6, date: Math.floor(Date.now() / 1000), chat: { id: GROUP, type: 'supergroup', title: 'Hooked' }, from: OWNER, text: '/help', entities: [{ type: 'bot_command', offset: 0, length: 5 }] } };
    const since = b.emu.calls.length;
    const statuses = await Promise.all(
      urls.map(async (url) => (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': b.runner.secretFor(BOT_ID) }, body: JSON.stringify(update) })).status),
    );
    assert.deepEqual(statuses, [200, 200]);
    await b.waitFor('sendMessage', (c) => c.params.chat_id === GROUP, { since });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(b.emu.callsTo('sendMessage').filter((c) => c.index >= since).length, 1);
    await Promise.all(apps.map((app) => app.close()));
    await second.stop();
    await shared.close();
  });
});
