import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildTestApp, type TestApp } from '../../../test/app.ts';
import { startTelegramEmulator, type TelegramEmulator } from '../../../test/telegram-emulator.ts';
import { jobDefinitions } from '../../jobs.ts';

const GOOD = '7100001:AAGood-token_abcdefghijklmn';
const REVOKED = '7100002:AARevoked-token_abcdefghijk';
const OFFLINE = '7100003:AAOffline-token_abcdefghijk';
const RENAMED = '7100004:AARenamed-token_abcdefghijk';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('bot registration asks Telegram', () => {
  let t: TestApp;
  let emu: TelegramEmulator;

  before(async () => {
    emu = await startTelegramEmulator();
    t = await buildTestApp({ TELEGRAM_API_ROOT: emu.apiRoot });
    await t.deps.jobs.register(jobDefinitions(t.deps), true);
  });
  after(async () => {
    await t.close();
    await emu.close();
  });

  /** Polls the bot through the API until `done` holds, failing after `timeoutMs`. */
  async function waitForBot(botId: number, done: (bot: Record<string, unknown>) => boolean, timeoutMs: number) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const bot = (await t.call('GET', `/api/v2/bots/${botId}`)).json().data;
      if (done(bot)) return bot;
      if (Date.now() > deadline) assert.fail(`bot ${botId} never got there: ${JSON.stringify(bot)}`);
      await sleep(200);
    }
  }

  it("should refuse a token Telegram rejects with 422 and Telegram's description, storing nothing", async () => {
    emu.breakToken(REVOKED, 'revoked');
    const res = await t.call('POST', '/api/v2/bots', { token: REVOKED, title: 'Revoked' });
    assert.equal(res.statusCode, 422, res.body);
    const body = res.json();
    assert.equal(body.success, false);
    assert.equal(body.code, 'TELEGRAM_REFUSED');
    assert.equal(body.error, 'Unauthorized');
    assert.equal((await t.call('GET', '/api/v2/bots/7100002')).statusCode, 404);
  });

  it("should store the bot's username and name from getMe, so the Login Widget has a bot", async () => {
    assert.equal((await t.call('GET', '/api/v1/admin/auth/options')).json().login_widget_bot, null);
    const res = await t.call('POST', '/api/v2/bots', { token: GOOD, title: 'Good' });
    assert.equal(res.statusCode, 201, res.body);
    const bot = res.json().data;
    assert.equal(bot.username, 'test_7100001_bot');
    assert.equal(bot.name, 'Test Bot');
    assert.equal(bot.verified, true);
    assert.equal(bot.telegram_error, null);
    assert.ok(emu.callsTo('getMe').some((c) => c.botId === 7100001));
    assert.equal((await t.call('GET', '/api/v1/admin/auth/options')).json().login_widget_bot, 'test_7100001_bot');
  });

  it('should accept a token while Telegram is unreachable, marked unverified, and verify it in the background once Telegram answers', async () => {
    emu.breakToken(OFFLINE, 'unreachable');
    const res = await t.call('POST', '/api/v2/bots', { token: OFFLINE, title: 'Offline', username: 'given_name_bot' });
    assert.equal(res.statusCode, 201, res.body);
    const stored = res.json().data;
    assert.equal(stored.verified, false);
    assert.equal(stored.username, 'given_name_bot');
    // The background check keeps trying while Telegram stays away.
    const since = emu.calls.length;
    await emu.waitForCall('getMe', (c) => c.botId === 7100003, { since, timeoutMs: 10_000 });
    assert.equal((await t.call('GET', '/api/v2/bots/7100003')).json().data.verified, false);

    emu.restoreToken(OFFLINE);
    const restoredAt = Date.now();
    const verified = await waitForBot(7100003, (b) => b.verified === true, 30_000);
    assert.equal(verified.username, 'test_7100003_bot');
    assert.equal(verified.name, 'Test Bot');
    assert.ok(verified.verified_at);
    console.log(`# verified ${Date.now() - restoredAt} ms after Telegram came back`);
  });

  it('should keep the username and name fresh when the bot is renamed in Telegram', async () => {
    assert.equal((await t.call('POST', '/api/v2/bots', { token: RENAMED })).statusCode, 201);
    emu.setBotProfile(RENAMED, { first_name: 'Renamed Bot', username: 'renamed_7100004_bot' });
    await t.deps.jobs.send({ name: 'bots.refresh-profiles', version: 1 }, {});
    const bot = await waitForBot(7100004, (b) => b.username === 'renamed_7100004_bot', 20_000);
    assert.equal(bot.name, 'Renamed Bot');
  });

  it('should record a token Telegram stopped accepting as unverified with its reason', async () => {
    emu.breakToken(GOOD, 'revoked');
    await t.deps.jobs.send({ name: 'bots.refresh-profiles', version: 1 }, {});
    const bot = await waitForBot(7100001, (b) => b.verified === false, 20_000);
    assert.equal(bot.telegram_error, 'Unauthorized');
    emu.restoreToken(GOOD);
  });

  it('should reject a malformed token with 400 in the error envelope', async () => {
    const res = await t.call('POST', '/api/v2/bots', { token: 'not-a-token-at-all' });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().success, false);
    assert.equal(res.json().code, 'INVALID_BOT_TOKEN');
  });
});
