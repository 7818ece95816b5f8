import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildTestApp, type TestApp } from '../../test/app.ts';
import { startTelegramEmulator, type TelegramEmulator } from '../../test/telegram-emulator.ts';

const GROUP = -1001000000077;
const BOT_ID = 777000222;
const BOT_TOKEN = `${BOT_ID}:AAH5YkoiEuPk8-FZa32hStHTqXiLPtAEhx8`;

describe('Telegram unreachable, at the default timeouts', () => {
  let t: TestApp;
  let tg: TelegramEmulator;
  let user = 5000;

  before(async () => {
    tg = await startTelegramEmulator();
    t = await buildTestApp({ TELEGRAM_API_ROOT: tg.apiRoot });
    assert.equal((await t.call('POST', '/api/v2/bots', { token: BOT_TOKEN, title: 'Mod bot' })).statusCode, 201);
    assert.equal((await t.call('POST', '/api/v2/groups', { group_id: GROUP, name: 'With bot', bot_id: BOT_ID })).statusCode, 201);
    tg.addChat({ id: GROUP, type: 'supergroup', title: 'With bot' });
  });
  after(async () => {
    await t.close();
    await tg.close();
  });
  beforeEach(() => {
    tg.endOutage();
    user++;
  });

  const ban = (userId: number) => t.call('POST', `/api/v2/groups/${GROUP}/enforcement/ban`, { user_id: userId, reason: 'spam' });
  const isBanned = async (userId: number) => (await t.call('GET', `/api/v2/groups/${GROUP}/users/${userId}/status`)).json().data.is_banned;
  const failedBans = async (userId: number) =>
    (await t.call('GET', `/api/v2/groups/${GROUP}/actions?user_id=${userId}&action=ban`)).json().data.items.filter((a: { result: string }) => a.result === 'failed');

  for (const mode of ['hang', 'reset'] as const) {
    it(`should answer enforcement with 502 TELEGRAM_UNAVAILABLE within 15 s when Telegram ${mode === 'hang' ? 'never answers' : 'resets connections'}, state unchanged and the attempt logged`, async () => {
      tg.startOutage(mode);
      const started = Date.now();
      const res = await ban(user);
      const elapsed = Date.now() - started;
      console.log(`enforcement with Telegram down (${mode}): answered in ${elapsed} ms`);
      assert.equal(res.statusCode, 502, res.body);
      assert.equal(res.json().success, false);
      assert.equal(res.json().code, 'TELEGRAM_UNAVAILABLE');
      assert.equal(typeof res.json().message, 'string');
      assert.ok(elapsed < 15_000, `answered after ${elapsed} ms`);
      assert.ok(tg.callsTo('banChatMember').length <= t.deps.config.TELEGRAM_MAX_ATTEMPTS);
      tg.endOutage();
      assert.equal(await isBanned(user), false);
      assert.equal((await failedBans(user)).length, 1);
    });
  }

  it('should report reachability per bot in /health from recent calls, quickly and without calling Telegram', async () => {
    tg.startOutage('hang');
    assert.equal((await ban(user)).statusCode, 502);
    const calls = tg.calls.length;
    const started = Date.now();
    const down = await t.call('GET', '/health');
    assert.ok(Date.now() - started < 1000, `/health took ${Date.now() - started} ms`);
    assert.equal(down.statusCode, 200);
    assert.equal(tg.calls.length, calls);
    const bot = down.json().telegram.bots.find((b: { bot_id: number }) => b.bot_id === BOT_ID);
    assert.equal(down.json().telegram.status, 'unreachable');
    assert.equal(bot.reachable, false);
    assert.match(bot.last_error, /did not answer/);

    tg.endOutage();
    assert.equal((await ban(user)).statusCode, 200);
    const up = (await t.call('GET', '/health')).json().telegram;
    assert.equal(up.status, 'ok');
    assert.equal(up.bots.find((b: { bot_id: number }) => b.bot_id === BOT_ID).reachable, true);
  });

  it("should wait a 429's retry_after within the deadline and give up at once on a longer one", async () => {
    tg.failNext('banChatMember', { error_code: 429, retry_after: 1 });
    const res = await ban(user);
    assert.equal(res.statusCode, 200, res.body);
    const [first, second] = tg.callsTo('banChatMember').slice(-2);
    assert.ok(second.at - first.at >= 950, `retried after ${second.at - first.at} ms`);
    assert.equal(await isBanned(user), true);

    user++;
    const before = tg.callsTo('banChatMember').length;
    tg.failNext('banChatMember', { error_code: 429, retry_after: 60 });
    const started = Date.now();
    const refused = await ban(user);
    assert.equal(refused.statusCode, 503, refused.body);
    assert.ok(Date.now() - started < 5000);
    assert.equal(tg.callsTo('banChatMember').length, before + 1);
    assert.equal(await isBanned(user), false);
  });
});
