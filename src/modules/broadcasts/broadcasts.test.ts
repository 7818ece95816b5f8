import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eq, sql } from 'drizzle-orm';
import { buildTestApp, type TestApp } from '../../../test/app.ts';
import { BOT_ID, BOT_TOKEN, startTestBot, type TestBot } from '../../../test/bot.ts';
import { startTelegramEmulator, type TelegramEmulator } from '../../../test/telegram-emulator.ts';
import { buildDeps, type Deps } from '../../deps.ts';
import { jobDefinitions } from '../../jobs.ts';
import { createLogger } from '../../platform/logger.ts';
import { botBlocks } from './broadcasts.tables.ts';

const BOT = { id: 7200001, token: '7200001:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB' };
const BASE_USER = 8_100_000_000;

describe('broadcasts', () => {
  let t: TestApp;
  let emu: TelegramEmulator;
  const admin = (method: string, url: string, payload?: unknown) => t.call(method, url.includes('?') ? `${url}&bot_id=${BOT.id}` : `${url}?bot_id=${BOT.id}`, payload);

  async function addUsers(from: number, n: number, fields: { language?: string; lastSeenDaysAgo?: number } = {}) {
    await t.deps.database.db.execute(sql`
      insert into bot_users (bot_id, telegram_id, referral_code, language_code, last_seen_at)
      select ${BOT.id}::bigint, ${BASE_USER}::bigint + g, 'b' || g, ${fields.language ?? 'en'}::text, now() - make_interval(days => ${fields.lastSeenDaysAgo ?? 0}::int)
      from generate_series(${from}::int, ${from + n - 1}::int) g`);
  }

  async function waitForStatus(publicId: string, status: string, timeoutMs = 20_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const view = (await admin('GET', `/api/v1/admin/broadcasts/${publicId}`)).json();
      if (view.status === status) return view;
      if (Date.now() > deadline) assert.fail(`broadcast stayed ${view.status}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  const sendsTo = (since: number) => {
    const perChat = new Map<number, number>();
    for (const c of emu.calls.slice(since)) {
      if (c.method !== 'sendMessage' && c.method !== 'sendPhoto') continue;
      perChat.set(Number(c.params.chat_id), (perChat.get(Number(c.params.chat_id)) ?? 0) + 1);
    }
    return perChat;
  };

  before(async () => {
    emu = await startTelegramEmulator();
    t = await buildTestApp({ TELEGRAM_API_ROOT: emu.apiRoot, BROADCAST_RATE_PER_SECOND: '100', BROADCAST_CLAIM_LEASE_SECONDS: '1' });
    await t.deps.jobs.register(jobDefinitions(t.deps), true);
    assert.equal((await t.call('POST', '/api/v2/bots', { token: BOT.token, username: 'castbot', admin_ids: [1] })).statusCode, 201);
    await addUsers(1, 40, { language: 'ru' });
    await addUsers(41, 20, { language: 'uz', lastSeenDaysAgo: 40 });
  });
  after(async () => {
    await t.close();
    await emu.close();
  });

  it('should send a formatted message with buttons to every matching user exactly once, and count blocked users', async () => {
    emu.blockUser(BASE_USER + 3);
    const created = await admin('POST', '/api/v1/admin/broadcasts', {
      text: '<b>Sale</b> today',
      parse_mode: 'HTML',
      buttons: [[{ text: 'Open', url: 'https://example.com' }]],
      filter: { type: 'all', language: 'ru' },
    });
    assert.equal(created.statusCode, 201, created.body);
    assert.equal(created.json().status, 'draft');
    const since = emu.calls.length;
    const started = await admin('POST', `/api/v1/admin/broadcasts/${created.json().public_id}/start`);
    assert.equal(started.statusCode, 200, started.body);
    assert.equal(started.json().total, 40);
    const done = await waitForStatus(created.json().public_id, 'completed');
    assert.equal(done.sent, 39);
    assert.equal(done.blocked, 1);
    assert.equal(done.pending, 0);
    const sends = sendsTo(since);
    assert.equal(sends.size, 40);
    assert.ok([...sends.values()].every((n) => n === 1));
    const one = emu.calls.slice(since).find((c) => c.method === 'sendMessage')!;
    assert.equal(one.params.parse_mode, 'HTML');
    assert.deepEqual((one.params.reply_markup as { inline_keyboard: unknown[][] }).inline_keyboard[0][0], { text: 'Open', url: 'https://example.com' });
    assert.equal((await admin('POST', `/api/v1/admin/broadcasts/${created.json().public_id}/start`)).statusCode, 409);

    // The blocked user is skipped next time.
    const next = await admin('POST', '/api/v1/admin/broadcasts', { text: 'again', filter: { type: 'all', language: 'ru' } });
    const again = await admin('POST', `/api/v1/admin/broadcasts/${next.json().public_id}/start`);
    assert.equal(again.json().total, 39);
    await waitForStatus(next.json().public_id, 'completed');
    emu.unblockUser(BASE_USER + 3);
  });

  it('should honor retry_after on 429 and still send to everyone once', async () => {
    emu.failNext('sendMessage', { error_code: 429, retry_after: 1 }, 2);
    const created = await admin('POST', '/api/v1/admin/broadcasts', { text: 'inactive users', filter: { type: 'active', active_days: 365, language: 'uz' } });
    const since = emu.calls.length;
    await admin('POST', `/api/v1/admin/broadcasts/${created.json().public_id}/start`);
    const done = await waitForStatus(created.json().public_id, 'completed');
    assert.equal(done.total, 20);
    assert.equal(done.sent, 20);
    const ok = sendsTo(since);
    assert.equal(ok.size, 20);
  });

  it('should select only users active in the last N days', async () => {
    const created = await admin('POST', '/api/v1/admin/broadcasts', { text: 'recent', filter: { type: 'active', active_days: 7 } });
    const started = await admin('POST', `/api/v1/admin/broadcasts/${created.json().public_id}/start`);
    // 40 recent users, one of whom blocked the bot earlier.
    assert.equal(started.json().total, 39);
    await waitForStatus(created.json().public_id, 'completed');
  });

  it('should stop within a second when cancelled', async () => {
    await addUsers(1000, 400, { language: 'de' });
    const created = await admin('POST', '/api/v1/admin/broadcasts', { text: 'long one', filter: { type: 'all', language: 'de' } });
    await admin('POST', `/api/v1/admin/broadcasts/${created.json().public_id}/start`);
    const deadline = Date.now() + 10_000;
    while ((await admin('GET', `/api/v1/admin/broadcasts/${created.json().public_id}`)).json().sent < 50 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const cancel = await admin('POST', `/api/v1/admin/broadcasts/${created.json().public_id}/cancel`);
    assert.equal(cancel.statusCode, 200, cancel.body);
    const cancelledAt = Date.now();
    await new Promise((r) => setTimeout(r, 1500));
    const lastSend = Math.max(...emu.calls.filter((c) => c.method === 'sendMessage' && String(c.params.text) === 'long one').map((c) => c.at));
    assert.ok(lastSend - cancelledAt < 1000, `last send ${lastSend - cancelledAt} ms after cancel`);
    const view = (await admin('GET', `/api/v1/admin/broadcasts/${created.json().public_id}`)).json();
    assert.equal(view.status, 'cancelled');
    assert.ok(view.sent < 400);
    const list = await admin('GET', '/api/v1/admin/broadcasts?limit=50');
    assert.ok(list.json().total >= 5);
  });

  it('should write off the sends a dead worker had started and send the rest of its claim once', async () => {
    await addUsers(2000, 30, { language: 'fr' });
    const created = await admin('POST', '/api/v1/admin/broadcasts', { text: 'crash', filter: { type: 'all', language: 'fr' } });
    const { broadcasts } = t.deps.services;
    const row = await broadcasts.repo.findByPublicId(BOT.id, created.json().public_id);
    // Start without the job: then act as a worker that claims 5, starts 2 sends and dies.
    await t.deps.database.db.transaction(async (tx) => {
      await broadcasts.repo.transition(row!.id, ['draft'], { status: 'running', startedAt: new Date() }, tx);
      const total = await broadcasts.repo.materializeRecipients(row!.id, BOT.id, row!.filter, tx);
      await broadcasts.repo.transition(row!.id, ['running'], { total }, tx);
    });
    const claimed = await broadcasts.repo.claim(row!.id, 5);
    const started = claimed.slice(0, 2);
    await broadcasts.repo.markAttempted(row!.id, started);
    await new Promise((r) => setTimeout(r, 1100));
    const since = emu.calls.length;
    await broadcasts.sendSlice(row!.id);
    const view = await waitForStatus(created.json().public_id, 'completed');
    assert.equal(view.sent, 28);
    assert.equal(view.failed, 2);
    const sends = sendsTo(since);
    for (const id of started) assert.equal(sends.has(id), false);
    for (const id of claimed.slice(2)) assert.equal(sends.get(id), 1);
  });

  it('should answer 401 without credentials and 404 for an unknown broadcast', async () => {
    assert.equal((await t.app.inject({ method: 'GET', url: `/api/v1/admin/broadcasts?bot_id=${BOT.id}` })).statusCode, 401);
    assert.equal((await admin('GET', '/api/v1/admin/broadcasts/00000000-0000-4000-8000-000000000000')).statusCode, 404);
  });
});

describe('broadcast rate shared across worker processes', { skip: !process.env.TEST_REDIS_URL && 'needs TEST_REDIS_URL' }, () => {
  const RATE = 10;
  const PER_BROADCAST = 15;
  let t: TestApp;
  let second: Deps;
  let emu: TelegramEmulator;

  before(async () => {
    emu = await startTelegramEmulator();
    // One token key for both processes, as in production, so each can read the bot's token.
    t = await buildTestApp({ TELEGRAM_API_ROOT: emu.apiRoot, BROADCAST_RATE_PER_SECOND: String(RATE), TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('hex') });
    // A second worker process: its own deps (pool, job engine, limiter) on the same database and Redis.
    second = await buildDeps(t.deps.config, createLogger('silent'));
    assert.equal((await t.call('POST', '/api/v2/bots', { token: BOT.token, username: 'castbot', admin_ids: [1] })).statusCode, 201);
    await t.deps.database.db.execute(sql`
      insert into bot_users (bot_id, telegram_id, referral_code, language_code)
      select ${BOT.id}::bigint, ${BASE_USER}::bigint + g, 'r' || g, case when g % 2 = 0 then 'ru' else 'uz' end
      from generate_series(1, ${PER_BROADCAST * 2}::int) g`);
  });
  after(async () => {
    await second?.close();
    await t.close();
    await emu.close();
  });

  it('should keep two workers sending for the same bot within one rate together', async () => {
    const { broadcasts } = t.deps.services;
    const ids: number[] = [];
    for (const language of ['ru', 'uz']) {
      const draft = await broadcasts.create(BOT.id, { text: `shared ${language}`, filter: { type: 'all', language } }, null);
      assert.equal((await broadcasts.start(BOT.id, draft.public_id)).total, PER_BROADCAST);
      ids.push(draft.id);
    }
    const since = emu.calls.length;
    // No job workers run here: each process sends one broadcast's slice at the same time.
    await Promise.all([t.deps.services.broadcasts.sendSlice(ids[0]), second.services.broadcasts.sendSlice(ids[1])]);
    const sends = emu.calls.slice(since).filter((c) => c.method === 'sendMessage');
    assert.equal(sends.length, PER_BROADCAST * 2);
    assert.equal(new Set(sends.map((c) => c.params.text)).size, 2);
    // Each process alone keeps RATE/s, so unshared limiters would put about 2×RATE into a second.
    const at = sends.map((c) => c.at).sort((a, b) => a - b);
    let busiest = 0;
    for (let i = 0, j = 0; i < at.length; i++) {
      while (at[i] - at[j] >= 1000) j++;
      busiest = Math.max(busiest, i - j + 1);
    }
    assert.ok(busiest <= RATE + 2, `${busiest} sendMessage calls within one second (limit ${RATE})`);
    const spanMs = at.at(-1)! - at[0];
    assert.ok(spanMs >= ((sends.length - 1) * 1000 * 0.8) / RATE, `${sends.length} sends took only ${spanMs} ms`);
  });
});

describe('users who blocked the bot, through bot updates', () => {
  let b: TestBot;
  const [WRITES_AGAIN, UNBLOCKS, BLOCKS] = [8_200_000_001, 8_200_000_002, 8_200_000_003];
  const blockedIds = async () =>
    (await b.t.deps.database.db.select().from(botBlocks).where(eq(botBlocks.botId, BOT_ID))).map((r) => r.telegramId).sort();
  const membership = (chat: number, from: string, to: string) => ({
    my_chat_member: {
      chat: { id: chat, type: 'private', first_name: `User${chat}` },
      from: { id: chat, is_bot: false, first_name: `User${chat}` },
      date: Math.floor(Date.now() / 1000),
      old_chat_member: { user: { id: BOT_ID, is_bot: true, first_name: 'Test Bot' }, status: from },
      new_chat_member: { user: { id: BOT_ID, is_bot: true, first_name: 'Test Bot' }, status: to },
    },
  });
  async function until(check: () => Promise<boolean>, what: string) {
    const deadline = Date.now() + 5000;
    while (!(await check())) {
      if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  async function broadcastTo(text: string) {
    const { broadcasts } = b.t.deps.services;
    const draft = await broadcasts.create(BOT_ID, { text }, null);
    const since = b.emu.calls.length;
    const started = await broadcasts.start(BOT_ID, draft.public_id);
    await until(async () => (await broadcasts.get(BOT_ID, draft.public_id)).status === 'completed', `${text} completed`);
    const tried = b.emu.calls.slice(since).filter((c) => c.method === 'sendMessage' && c.params.text === text);
    return { ...(await broadcasts.get(BOT_ID, draft.public_id)), tried: tried.map((c) => Number(c.params.chat_id)).sort() };
  }

  before(async () => {
    b = await startTestBot({ BROADCAST_RATE_PER_SECOND: '0' });
    await b.t.deps.database.db.execute(sql`
      insert into bot_users (bot_id, telegram_id, referral_code)
      values (${BOT_ID}, ${WRITES_AGAIN}, 'w1'), (${BOT_ID}, ${UNBLOCKS}, 'w2'), (${BOT_ID}, ${BLOCKS}, 'w3')`);
  });
  after(async () => b.close());

  it('should include users again once they write to the bot or unblock it, and skip users who block it', async () => {
    b.emu.blockUser(WRITES_AGAIN);
    b.emu.blockUser(UNBLOCKS);
    const first = await broadcastTo('before');
    assert.deepEqual([first.sent, first.blocked], [1, 2]);
    assert.deepEqual(await blockedIds(), [WRITES_AGAIN, UNBLOCKS]);

    b.emu.unblockUser(WRITES_AGAIN);
    const since = b.emu.calls.length;
    b.emu.message(BOT_TOKEN, { from: WRITES_AGAIN, chat: WRITES_AGAIN, text: '/start' });
    // The update goes on: /start is still answered.
    await b.waitFor('sendMessage', (c) => Number(c.params.chat_id) === WRITES_AGAIN, { since });
    assert.deepEqual(await blockedIds(), [UNBLOCKS]);

    b.emu.unblockUser(UNBLOCKS);
    b.emu.pushUpdate(BOT_TOKEN, membership(UNBLOCKS, 'kicked', 'member'));
    b.emu.pushUpdate(BOT_TOKEN, membership(BLOCKS, 'member', 'kicked'));
    await until(async () => (await blockedIds()).join() === String(BLOCKS), 'the blocks followed the membership updates');

    const after = await broadcastTo('after');
    assert.deepEqual([after.total, after.sent], [2, 2]);
    assert.deepEqual(after.tried, [WRITES_AGAIN, UNBLOCKS]);
  });
});
