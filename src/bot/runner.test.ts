import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { BOT_ID, BOT_TOKEN, startTestBot, type TestBot } from '../../test/bot.ts';
import type { Call } from '../../test/telegram-emulator.ts';
import { buildDeps } from '../deps.ts';
import { BotRunner } from './runner.ts';

const SECOND_TOKEN = '7000002:TEST-second-token_abcdefghij';
const SECOND_ID = 7000002;
const GROUP_A = -1007000000001;
const GROUP_B = -1007000000002;
const OWNER = { id: 5, is_bot: false, first_name: 'Owner', username: 'owner5' };
const THIRD_TOKEN = '7000003:TEST-third-token_abcdefghij';
const REVOKED_TOKEN = '7000004:TEST-revoked-token_abcdefgh';
const HUNG_TOKEN = '7000005:TEST-hung-token_abcdefghijk';
const HEALTHY_TOKEN = '7000006:TEST-healthy-token_abcdefgh';
const REMOTE_TOKEN = '7000007:TEST-remote-token_abcdefghi';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const textOf = (c: Call) => String(c.params.text ?? '');

describe('several bots in one process', () => {
  let b: TestBot;

  before(async () => {
    // A key of its own, so that a second instance on the same database can open the tokens (as in production).
    b = await startTestBot({ TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('hex') });
    b.emu.addChat({ id: GROUP_A, type: 'supergroup', title: 'Group A', members: [{ user: OWNER, status: 'creator' }] });
    b.emu.addChat({ id: GROUP_B, type: 'supergroup', title: 'Group B', members: [{ user: OWNER, status: 'creator' }] });
  });
  after(async () => b.close());

  it('should start a bot registered later, each bot owning the groups it saw first', async () => {
    await b.t.deps.services.bots.register({ token: SECOND_TOKEN, title: 'Second' });
    await b.runner.refresh();
    const since = b.emu.calls.length;
    b.emu.message(BOT_TOKEN, { from: OWNER, chat: GROUP_A, text: '/rules' });
    b.emu.message(SECOND_TOKEN, { from: OWNER, chat: GROUP_B, text: '/rules' });
    const replies = await Promise.all([
      b.emu.waitForCall('sendMessage', (c) => c.botId === BOT_ID && c.params.chat_id === GROUP_A, { since, timeoutMs: 5000 }),
      b.emu.waitForCall('sendMessage', (c) => c.botId === SECOND_ID && c.params.chat_id === GROUP_B, { since, timeoutMs: 5000 }),
    ]);
    assert.ok(replies.every((r) => /No rules/.test(textOf(r))));
    assert.equal((await b.t.call('GET', `/api/v2/groups/${GROUP_A}`)).json().data.bot_id, BOT_ID);
    assert.equal((await b.t.call('GET', `/api/v2/groups/${GROUP_B}`)).json().data.bot_id, SECOND_ID);

    // The second bot added to the first bot's group does not act there: another tenant's group.
    const foreign = b.emu.calls.length;
    b.emu.message(SECOND_TOKEN, { from: OWNER, chat: GROUP_A, text: '/mute 123 10m' });
    b.emu.message(BOT_TOKEN, { from: OWNER, chat: GROUP_A, text: '/rules' });
    await b.emu.waitForCall('sendMessage', (c) => c.botId === BOT_ID && c.params.chat_id === GROUP_A, { since: foreign, timeoutMs: 5000 });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(b.emu.calls.filter((c) => c.index >= foreign && c.botId === SECOND_ID && c.method !== 'getUpdates').length, 0);
    assert.equal((await b.t.call('GET', `/api/v2/groups/${GROUP_A}/users/123/status`)).json().data.is_muted, false);
  });

  it('should stop a bot that was disabled', async () => {
    await b.t.deps.services.bots.update(SECOND_ID, { status: 'disabled' });
    await b.runner.refresh();
    const since = b.emu.calls.length;
    b.emu.message(SECOND_TOKEN, { from: OWNER, chat: GROUP_B, text: '/rules' });
    b.emu.message(BOT_TOKEN, { from: OWNER, chat: GROUP_A, text: '/rules' });
    await b.emu.waitForCall('sendMessage', (c) => c.botId === BOT_ID, { since, timeoutMs: 5000 });
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(b.emu.calls.filter((c) => c.index >= since && c.botId === SECOND_ID).length, 0);
  });

  it('should start a bot registered through the API within 2 s and stop it within 2 s of being disabled', async () => {
    const since = b.emu.calls.length;
    const res = await b.t.call('POST', '/api/v2/bots', { token: THIRD_TOKEN, title: 'Third' });
    assert.equal(res.statusCode, 201, res.body);
    const registeredAt = Date.now();
    const poll = await b.emu.waitForCall('getUpdates', (c) => c.botId === 7000003, { since, timeoutMs: 2000 });
    console.log(`# bot polling ${poll.at - registeredAt} ms after its registration answered`);
    b.emu.message(THIRD_TOKEN, { from: OWNER, chat: OWNER.id, text: '/help' });
    await b.emu.waitForCall('sendMessage', (c) => c.botId === 7000003, { since, timeoutMs: 5000 });

    const disabled = await b.t.call('PATCH', '/api/v2/bots/7000003', { status: 'disabled' });
    assert.equal(disabled.statusCode, 200);
    const disabledAt = Date.now();
    while (b.runner.runningBotIds().includes(7000003)) {
      assert.ok(Date.now() - disabledAt < 2000, 'still running 2 s after it was disabled');
      await sleep(20);
    }
    console.log(`# bot stopped ${Date.now() - disabledAt} ms after it was disabled`);
    const after = b.emu.calls.length;
    b.emu.message(THIRD_TOKEN, { from: OWNER, chat: OWNER.id, text: '/help' });
    await sleep(500);
    assert.equal(b.emu.calls.filter((c) => c.index >= after && c.botId === 7000003).length, 0);
  });

  it('should log why a bot cannot start and retry it with backoff, while other bots start at once', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    b.emu.breakToken(REVOKED_TOKEN, 'revoked');
    b.emu.breakToken(HUNG_TOKEN, 'hang');
    // The stuck and the refused token come first: neither may hold up the healthy one.
    const runner = new BotRunner({ ...b.t.deps, logger }, async () => [HUNG_TOKEN, REVOKED_TOKEN, HEALTHY_TOKEN]);
    const since = b.emu.calls.length;
    const startedAt = Date.now();
    const starting = runner.start();
    try {
      await b.emu.waitForCall('getUpdates', (c) => c.botId === 7000006, { since, timeoutMs: 2000 });
      const healthyAfter = Date.now() - startedAt;
      const getMes = async (count: number) => {
        while (b.emu.calls.filter((c) => c.index >= since && c.method === 'getMe' && c.botId === 7000004).length < count) {
          assert.ok(Date.now() - startedAt < 15_000, 'the refused bot is not retried');
          await sleep(50);
        }
        return b.emu.calls.filter((c) => c.index >= since && c.method === 'getMe' && c.botId === 7000004).map((c) => c.at);
      };
      const attempts = await getMes(3);
      const [first, second] = [attempts[1] - attempts[0], attempts[2] - attempts[1]];
      assert.ok(first >= 900, `first retry after ${first} ms`);
      assert.ok(second >= 1.5 * first, `backoff: ${first} ms then ${second} ms`);
      const refused = lines.find((l) => l.bot_id === 7000004 && l.reason === 'token_refused');
      assert.ok(refused, JSON.stringify(lines));
      assert.match(String(refused.msg), /bot could not start: Telegram refused the token \(401 Unauthorized\)/);
      assert.ok(lines.some((l) => l.bot_id === 7000006 && l.msg === 'bot started'));
      assert.ok(!runner.runningBotIds().includes(7000004));
      console.log(`# healthy bot polling ${healthyAfter} ms after start, refused bot retried after ${first} ms and ${second} ms`);

      // The token works again: the next retry starts it without anyone stepping in.
      b.emu.restoreToken(REVOKED_TOKEN);
      const restoredAt = Date.now();
      while (!runner.runningBotIds().includes(7000004)) {
        assert.ok(Date.now() - restoredAt < 10_000, 'the bot did not recover');
        await sleep(50);
      }
    } finally {
      await runner.stop();
      b.emu.restoreToken(HUNG_TOKEN);
      await starting.catch(() => undefined);
    }
  });

  it('should start a bot registered on one instance by the bot role of another (PostgreSQL + Redis)', { skip: !process.env.TEST_REDIS_URL && 'needs TEST_DATABASE_URL and TEST_REDIS_URL: PGlite and the in-process cache are one process' }, async () => {
    // From here the test app is an api-only instance; a second instance on the same database and
    // Redis runs the bot role, as a process with ROLES=bot would.
    await b.runner.stop();
    const other = await buildDeps(b.t.deps.config, b.t.deps.logger);
    const runner = new BotRunner(other, () => other.services.bots.activeTokens());
    try {
      await runner.start();
      const since = b.emu.calls.length;
      const res = await b.t.call('POST', '/api/v2/bots', { token: REMOTE_TOKEN, title: 'Remote' });
      assert.equal(res.statusCode, 201, res.body);
      const registeredAt = Date.now();
      await b.emu.waitForCall('getUpdates', (c) => c.botId === 7000007 && c.index >= since, { since, timeoutMs: 2000 });
      assert.ok(runner.runningBotIds().includes(7000007));
      console.log(`# other instance's bot role polling ${Date.now() - registeredAt} ms after registration`);

      await b.t.call('PATCH', '/api/v2/bots/7000007', { status: 'disabled' });
      const disabledAt = Date.now();
      while (runner.runningBotIds().includes(7000007)) {
        assert.ok(Date.now() - disabledAt < 2000, 'still running on the other instance 2 s after it was disabled');
        await sleep(20);
      }
    } finally {
      await runner.stop();
      await other.close();
    }
  });
});
