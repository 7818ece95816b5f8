import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildTestApp, type TestApp } from '../../../test/app.ts';
import { loginWidgetData, miniAppInitData, telegramSigningKey, thirdPartyInitData } from '../../../test/telegram-auth.ts';

const BOT_A = { id: 7000001, token: '7000001:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' };
const BOT_B = { id: 7000002, token: '7000002:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB' };
const ADMIN_A = 501;
const ADMIN_B = 502;
const ALICE = 9_000_000_001;
const BOB = 9_000_000_002;

describe('auth, users and ledger', () => {
  let t: TestApp;
  const signing = telegramSigningKey();
  const inject = (method: string, url: string, headers: Record<string, string>, payload?: unknown) =>
    t.app.inject({ method: method as 'GET', url, headers, payload: payload as object });
  const asMiniApp = (token: string, telegramId: number) => ({ 'x-telegram-init-data': miniAppInitData(token, { id: telegramId }) });

  before(async () => {
    t = await buildTestApp({ TELEGRAM_INIT_DATA_PUBLIC_KEY: signing.publicKeyHex });
    for (const [bot, admin] of [[BOT_A, ADMIN_A], [BOT_B, ADMIN_B]] as const) {
      const res = await inject('POST', '/api/v2/bots', t.auth, { token: bot.token, username: `bot${bot.id}`, admin_ids: [admin] });
      assert.equal(res.statusCode, 201, res.body);
      assert.deepEqual(res.json().data.admin_ids, [admin]);
      assert.equal(JSON.stringify(res.json()).includes(bot.token), false);
    }
  });
  after(async () => t.close());

  it('should sync a Mini App user from X-Telegram-Init-Data and give them a referral code', async () => {
    const res = await inject('POST', '/api/v1/users/sync', asMiniApp(BOT_A.token, ALICE), { telegram_id: ALICE, username: 'alice', first_name: 'Alice' });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.created, true);
    assert.equal(body.user.telegram_id, ALICE);
    assert.equal(body.user.bot_id, BOT_A.id);
    assert.equal(body.user.balance, 0);
    assert.match(body.user.referral_code, /^[a-z0-9]{8}$/);
    const again = await inject('POST', '/api/v1/users/sync', asMiniApp(BOT_A.token, ALICE), { telegram_id: ALICE, username: 'alice2' });
    assert.equal(again.json().created, false);
    assert.equal(again.json().user.username, 'alice2');
    assert.equal(again.json().user.referral_code, body.user.referral_code);
  });

  it('should set the referrer from the start parameter and list the referral', async () => {
    const alice = (await inject('GET', `/api/v1/referrals/${ALICE}`, asMiniApp(BOT_A.token, ALICE))).json();
    const res = await inject('POST', '/api/v1/users/sync', asMiniApp(BOT_A.token, BOB), { telegram_id: BOB, start_param: `ref_${alice.referral_code}` });
    assert.equal(res.json().user.referrer_telegram_id, ALICE);
    const referrals = await inject('GET', `/api/v1/referrals/${ALICE}`, asMiniApp(BOT_A.token, ALICE));
    assert.equal(referrals.statusCode, 200);
    assert.equal(referrals.json().referrals_count, 1);
    assert.equal(referrals.json().referrals[0].telegram_id, BOB);
    assert.equal(referrals.json().referral_link, `https://t.me/bot${BOT_A.id}?start=ref_${alice.referral_code}`);
  });

  it('should answer 401 for missing, forged, stale and other-bot-claimed initData', async () => {
    assert.equal((await inject('GET', `/api/v1/users/${ALICE}/balance`, {})).statusCode, 401);
    const forged = miniAppInitData('7000001:WRONGWRONGWRONGWRONGWRONGWRONGWRONG', { id: ALICE });
    assert.equal((await inject('GET', `/api/v1/users/${ALICE}/balance`, { 'x-telegram-init-data': forged })).statusCode, 401);
    const tampered = miniAppInitData(BOT_A.token, { id: ALICE }).replace(encodeURIComponent(`"id":${ALICE}`), encodeURIComponent(`"id":${BOB}`));
    assert.equal((await inject('GET', `/api/v1/users/${BOB}/balance`, { 'x-telegram-init-data': tampered })).statusCode, 401);
    const stale = miniAppInitData(BOT_A.token, { id: ALICE }, { authDate: new Date(Date.now() - 86_401_000) });
    const res = await inject('GET', `/api/v1/users/${ALICE}/balance`, { 'x-telegram-init-data': stale });
    assert.equal(res.statusCode, 401);
    assert.match(res.json().error, /expired/);
    // Signed by bot A but presented as bot B's Mini App.
    const wrongBot = await inject('GET', `/api/v1/users/${ALICE}/balance?bot_id=${BOT_B.id}`, asMiniApp(BOT_A.token, ALICE));
    assert.equal(wrongBot.statusCode, 401);
  });

  it("should answer 403 when a Mini App user reads another user's balance, trial or referrals", async () => {
    for (const path of [`/api/v1/users/${BOB}/balance`, `/api/v1/users/${BOB}/trial`, `/api/v1/referrals/${BOB}`]) {
      const res = await inject('GET', path, asMiniApp(BOT_A.token, ALICE));
      assert.equal(res.statusCode, 403, path);
      assert.equal(res.json().code, 'FORBIDDEN');
    }
    const sync = await inject('POST', '/api/v1/users/sync', asMiniApp(BOT_A.token, ALICE), { telegram_id: BOB });
    assert.equal(sync.statusCode, 403);
  });

  it('should accept initData carrying only Telegram’s Ed25519 signature', async () => {
    const raw = thirdPartyInitData(signing.privateKey, BOT_B.id, { id: ALICE });
    const res = await inject('POST', '/api/v1/users/sync', { 'x-telegram-init-data': raw }, { telegram_id: ALICE });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().user.bot_id, BOT_B.id);
    const forged = raw.replace(/signature=[^&]+/, `signature=${Buffer.alloc(64).toString('base64url')}`);
    assert.equal((await inject('POST', '/api/v1/users/sync', { 'x-telegram-init-data': forged }, { telegram_id: ALICE })).statusCode, 401);
  });

  it('should exchange initData for a JWT once (seed 002) and refuse the replay', async () => {
    const initData = miniAppInitData(BOT_A.token, { id: ADMIN_A, first_name: 'Owner' });
    const res = await inject('POST', '/api/auth/telegram', {}, { init_data: initData });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().user.telegram_id, ADMIN_A);
    assert.deepEqual(res.json().bot_ids, [BOT_A.id]);
    assert.match(res.json().token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    const replay = await inject('POST', '/api/auth/telegram', {}, { init_data: initData });
    assert.equal(replay.statusCode, 401);
    const me = await inject('GET', '/api/v1/admin/auth/me', { authorization: `Bearer ${res.json().token}` });
    assert.equal(me.statusCode, 200, me.body);
    assert.deepEqual(me.json().bot_ids, [BOT_A.id]);
  });

  it('should log an admin in with Login Widget data, and refuse non-admins and forgeries', async () => {
    const ok = await inject('POST', '/api/v1/admin/auth/login', {}, loginWidgetData(BOT_B.token, { id: ADMIN_B, first_name: 'Bea' }));
    assert.equal(ok.statusCode, 200, ok.body);
    assert.deepEqual(ok.json().admin.bot_ids, [BOT_B.id]);
    const token = ok.json().access_token;
    const me = await inject('GET', '/api/v1/admin/auth/me', { authorization: `Bearer ${token}` });
    assert.equal(me.json().telegram_id, ADMIN_B);
    const notAdmin = await inject('POST', '/api/v1/admin/auth/login', {}, loginWidgetData(BOT_B.token, { id: ALICE, first_name: 'Alice' }));
    assert.equal(notAdmin.statusCode, 403);
    const forged = { ...loginWidgetData(BOT_B.token, { id: ADMIN_B, first_name: 'Bea' }), first_name: 'Mallory' };
    assert.equal((await inject('POST', '/api/v1/admin/auth/login', {}, forged)).statusCode, 401);
    const stale = loginWidgetData(BOT_B.token, { id: ADMIN_B, first_name: 'Bea' }, Math.floor(Date.now() / 1000) - 90_000);
    assert.equal((await inject('POST', '/api/v1/admin/auth/login', {}, stale)).statusCode, 401);
    assert.equal((await inject('GET', '/api/v1/admin/auth/me', { authorization: `Bearer ${token.slice(0, -2)}xx` })).statusCode, 401);
    // Admin of bot B reading a user of bot A: another tenant.
    const cross = await inject('GET', `/api/v1/users/${ALICE}/balance?bot_id=${BOT_A.id}`, { authorization: `Bearer ${token}` });
    assert.equal(cross.statusCode, 403);
    const own = await inject('GET', `/api/v1/users/${ALICE}/balance`, { authorization: `Bearer ${token}` });
    assert.equal(own.statusCode, 200);
  });

  it('should refuse a spend that would overdraw and keep balance equal to the ledger sum', async () => {
    const { ledger, users } = t.deps.services;
    const alice = await users.require(BOT_A.id, ALICE);
    await ledger.credit(alice.id, 100, 'deposit', 'test-deposit-1');
    const replay = await ledger.credit(alice.id, 100, 'deposit', 'test-deposit-1');
    assert.equal(replay.replayed, true);
    assert.equal(await ledger.balance(alice.id), 100);
    await assert.rejects(ledger.spend(alice.id, 101, 'generation', null), (err: { code: string }) => err.code === 'INSUFFICIENT_CREDITS');
    await ledger.spend(alice.id, 40, 'generation', 'gen-1');
    assert.equal(await ledger.balance(alice.id), 60);
    assert.equal(await ledger.ledgerSum(alice.id), 60);
    const res = await inject('GET', `/api/v1/users/${ALICE}/balance`, asMiniApp(BOT_A.token, ALICE));
    assert.deepEqual(res.json(), { telegram_id: ALICE, balance: 60 });
  });

  it('should never overdraw under many parallel spends', async () => {
    const { ledger, users } = t.deps.services;
    const bob = await users.require(BOT_A.id, BOB);
    await ledger.credit(bob.id, 1000, 'deposit', 'bob-deposit');
    const results = await Promise.allSettled(Array.from({ length: 60 }, (_, i) => ledger.spend(bob.id, 30, 'generation', `bob-gen-${i}`)));
    const succeeded = results.filter((r) => r.status === 'fulfilled').length;
    assert.equal(succeeded, 33);
    for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as { code: string }).code, 'INSUFFICIENT_CREDITS');
    assert.equal(await ledger.balance(bob.id), 10);
    assert.equal(await ledger.ledgerSum(bob.id), 10);
  });

  it('should report and use the trial once', async () => {
    const { users } = t.deps.services;
    const before = await inject('GET', `/api/v1/users/${ALICE}/trial`, asMiniApp(BOT_A.token, ALICE));
    assert.equal(before.json().trial_available, true);
    const alice = await users.require(BOT_A.id, ALICE);
    assert.equal(await users.useTrial(alice.id), true);
    assert.equal(await users.useTrial(alice.id), false);
    const afterUse = await inject('GET', `/api/v1/users/${ALICE}/trial`, asMiniApp(BOT_A.token, ALICE));
    assert.equal(afterUse.json().trial_available, false);
    assert.equal(afterUse.json().trial_used, true);
  });
});

describe('per Mini App user rate limit', () => {
  const LIMIT = 5;
  let t: TestApp;
  const inject = (method: string, url: string, headers: Record<string, string>, payload?: unknown) =>
    t.app.inject({ method: method as 'GET', url, headers, payload: payload as object });
  const asMiniApp = (token: string, telegramId: number) => ({ 'x-telegram-init-data': miniAppInitData(token, { id: telegramId }) });

  before(async () => {
    t = await buildTestApp({ MINI_APP_RATE_LIMIT_PER_MINUTE: String(LIMIT) });
    await inject('POST', '/api/v2/bots', t.auth, { token: BOT_A.token, admin_ids: [ADMIN_A] });
    await inject('POST', '/api/v2/bots', t.auth, { token: BOT_B.token, admin_ids: [ADMIN_B] });
  });
  after(async () => t.close());

  it('should answer 429 in the error shape once a user spends their minute across routes, per bot and user', async () => {
    const alice = asMiniApp(BOT_A.token, ALICE);
    const spend = [
      ['POST', '/api/v1/users/sync', { telegram_id: ALICE }],
      ['GET', `/api/v1/users/${ALICE}/balance`, undefined],
      ['GET', `/api/v1/referrals/${ALICE}`, undefined],
      ['GET', '/api/v1/payments/stars/options', undefined],
      ['GET', `/api/v1/generations/active?telegram_id=${ALICE}`, undefined],
    ] as const;
    assert.equal(spend.length, LIMIT);
    for (const [method, url, payload] of spend) {
      const res = await inject(method, url, alice, payload);
      assert.ok(res.statusCode < 400, `${method} ${url}: ${res.statusCode} ${res.body}`);
      assert.ok(Number(res.headers['x-ratelimit-remaining']) >= 0);
    }
    const limited = await inject('GET', `/api/v1/users/${ALICE}/balance`, asMiniApp(BOT_A.token, ALICE));
    assert.equal(limited.statusCode, 429);
    assert.deepEqual(Object.keys(limited.json()).sort(), ['code', 'error', 'message', 'success']);
    assert.equal(limited.json().success, false);
    assert.equal(limited.json().code, 'RATE_LIMITED');
    assert.match(limited.json().error, /5 requests per/);
    assert.ok(Number(limited.headers['retry-after']) > 0);

    // Another user of the bot, and the same Telegram user in another bot, have minutes of their own.
    assert.equal((await inject('POST', '/api/v1/users/sync', asMiniApp(BOT_A.token, BOB), { telegram_id: BOB })).statusCode, 200);
    assert.equal((await inject('POST', '/api/v1/users/sync', asMiniApp(BOT_B.token, ALICE), { telegram_id: ALICE })).statusCode, 200);
  });

  it('should not count a bot admin’s panel requests or API keys against the user limit', async () => {
    const login = await inject('POST', '/api/v1/admin/auth/login', {}, loginWidgetData(BOT_A.token, { id: ADMIN_A, first_name: 'Admin' }));
    const admin = { authorization: `Bearer ${login.json().access_token}` };
    for (let i = 0; i < LIMIT + 2; i++) {
      assert.equal((await inject('GET', `/api/users?bot_id=${BOT_A.id}`, admin)).statusCode, 200);
      assert.equal((await inject('GET', `/api/v1/users/${ALICE}/balance?bot_id=${BOT_A.id}`, t.auth)).statusCode, 200);
    }
  });
});
