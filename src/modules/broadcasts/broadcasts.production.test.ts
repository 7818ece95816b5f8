import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { buildTestApp, type TestApp } from '../../../test/app.ts';
import { startMain, type MainProcess } from '../../../test/process.ts';
import { startTelegramEmulator, type TelegramEmulator } from '../../../test/telegram-emulator.ts';

// A production-shape test: run alone (scripts/test.sh runs *.production.test.ts one at a time after
// the rest), since it measures a rate by the emulator's clock and shares the CPU with nothing else.
const BOT = { id: 7200001, token: '7200001:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB' };
const BASE_USER = 8_100_000_000;

describe('broadcasts at the default rate on Redis, from several worker processes', { skip: !process.env.TEST_REDIS_URL && 'needs TEST_REDIS_URL' }, () => {
  const PER_BROADCAST = 200;
  const BROADCASTS = 3;
  let t: TestApp;
  let emu: TelegramEmulator;
  const workers: MainProcess[] = [];

  before(async () => {
    emu = await startTelegramEmulator();
    const tokenKey = randomBytes(32).toString('hex');
    // The default BROADCAST_RATE_PER_SECOND (30). This process only serves the API: the workers send.
    t = await buildTestApp({ TELEGRAM_API_ROOT: emu.apiRoot, TOKEN_ENCRYPTION_KEY: tokenKey });
    assert.equal(t.deps.config.BROADCAST_RATE_PER_SECOND, 30);
    assert.equal((await t.call('POST', '/api/v2/bots', { token: BOT.token, username: 'castbot', admin_ids: [1] })).statusCode, 201);
    await t.deps.database.db.execute(sql`
      insert into bot_users (bot_id, telegram_id, referral_code, language_code)
      select ${BOT.id}::bigint, ${BASE_USER}::bigint + g, 'w' || g, 'l' || (g % ${BROADCASTS})
      from generate_series(1, ${PER_BROADCAST * BROADCASTS}::int) g`);
    const { config } = t.deps;
    const env = { ROLES: 'worker', DATABASE_URL: config.DATABASE_URL!, REDIS_URL: config.REDIS_URL!, REDIS_PREFIX: config.REDIS_PREFIX, TOKEN_ENCRYPTION_KEY: tokenKey, TELEGRAM_API_ROOT: emu.apiRoot, DATA_DIR: 'memory://' };
    workers.push(...(await Promise.all([1, 2].map(() => startMain(env, /tgbase starting/)))));
  });
  after(async () => {
    await Promise.all(workers.map((w) => w.stop('SIGKILL')));
    await t?.close();
    await emu?.close();
  });

  it('should send everyone exactly one message, never more than 30 in a second, at 29/s or more', async () => {
    const ids: string[] = [];
    for (let i = 0; i < BROADCASTS; i++) {
      const created = await t.call('POST', `/api/v1/admin/broadcasts?bot_id=${BOT.id}`, { text: `default rate ${i}`, filter: { type: 'all', language: `l${i}` } });
      ids.push(created.json().public_id);
    }
    const since = emu.calls.length;
    for (const id of ids) assert.equal((await t.call('POST', `/api/v1/admin/broadcasts/${id}/start?bot_id=${BOT.id}`)).json().total, PER_BROADCAST);
    const deadline = Date.now() + 120_000;
    for (const id of ids) {
      while ((await t.call('GET', `/api/v1/admin/broadcasts/${id}?bot_id=${BOT.id}`)).json().status !== 'completed') {
        assert.ok(Date.now() < deadline, 'broadcasts did not complete within 2 minutes');
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    const sends = emu.calls.slice(since).filter((c) => c.method === 'sendMessage');
    const perChat = new Map<number, number>();
    for (const c of sends) perChat.set(Number(c.params.chat_id), (perChat.get(Number(c.params.chat_id)) ?? 0) + 1);
    assert.equal(perChat.size, PER_BROADCAST * BROADCASTS);
    assert.equal(sends.length, PER_BROADCAST * BROADCASTS, 'someone got a message twice');
    // The broadcasts ran side by side on the workers, under one rate for the bot.
    assert.equal(new Set(sends.map((c) => c.params.text)).size, BROADCASTS);
    const at = sends.map((c) => c.at).sort((a, b) => a - b);
    let busiest = 0;
    for (let i = 0, j = 0; i < at.length; i++) {
      while (at[i] - at[j] >= 1000) j++;
      busiest = Math.max(busiest, i - j + 1);
    }
    const sustained = ((at.length - 1) * 1000) / (at.at(-1)! - at[0]);
    console.log(`broadcast at 30/s on Redis, 2 workers: ${at.length} sends, busiest 1-s window ${busiest}, sustained ${sustained.toFixed(2)}/s`);
    assert.ok(busiest <= 30, `${busiest} sends within one second`);
    assert.ok(sustained >= 29, `sustained rate ${sustained.toFixed(2)}/s`);
  });
});
