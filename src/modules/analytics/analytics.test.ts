import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { buildTestApp, type TestApp } from '../../../test/app.ts';
import { loginWidgetData } from '../../../test/telegram-auth.ts';

const BOT = { id: 7200001, token: '7200001:ANALYTICSANALYTICSANALYTICSANALYTI' };
const OTHER = { id: 7200002, token: '7200002:OTHEROTHEROTHEROTHEROTHEROTHEROTHE' };
const ADMIN = 601;
const OTHER_ADMIN = 602;

describe('analytics and admin API', () => {
  let t: TestApp;
  let admin: Record<string, string>;
  let otherAdmin: Record<string, string>;
  const inject = (method: string, url: string, headers: Record<string, string>, payload?: unknown) =>
    t.app.inject({ method: method as 'GET', url, headers, payload: payload as object });
  const login = async (bot: typeof BOT, id: number) => {
    const res = await inject('POST', '/api/v1/admin/auth/login', {}, loginWidgetData(bot.token, { id, first_name: 'Admin' }));
    assert.equal(res.statusCode, 200, res.body);
    return { authorization: `Bearer ${res.json().access_token}` };
  };

  before(async () => {
    t = await buildTestApp({ ANALYTICS_TIME_ZONE: 'UTC' });
    await inject('POST', '/api/v2/bots', t.auth, { token: BOT.token, username: 'analytics_bot', admin_ids: [ADMIN] });
    await inject('POST', '/api/v2/bots', t.auth, { token: OTHER.token, admin_ids: [OTHER_ADMIN] });
    admin = await login(BOT, ADMIN);
    otherAdmin = await login(OTHER, OTHER_ADMIN);
    const { users, payments } = t.deps.services;
    for (let i = 1; i <= 5; i++) await users.sync(BOT.id, { telegram_id: 1000 + i, username: `u${i}` });
    await payments.confirm(BOT.id, { telegram_id: 1001, telegram_payment_charge_id: 'a-1', total_amount: 70, invoice_payload: 'stars:stars_70:1001' });
    await payments.confirm(BOT.id, { telegram_id: 1002, telegram_payment_charge_id: 'a-2', total_amount: 140, invoice_payload: 'stars:stars_140:1002' });
    // Registrations at known instants: 2024-03-10 22:30 UTC is 2024-03-11 in Moscow (UTC+3).
    await t.deps.database.db.execute(sql`update bot_users set created_at = '2024-03-10T22:30:00Z' where telegram_id in (1004, 1005)`);
    await t.deps.services.analytics.rebuild(BOT.id);
  });
  after(async () => t.close());

  it('should list only the admin’s bots and answer 403 for another admin’s bot everywhere', async () => {
    const bots = await inject('GET', '/api/bots', admin);
    assert.equal(bots.statusCode, 200);
    assert.deepEqual(bots.json().map((b: { bot_id: number }) => b.bot_id), [BOT.id]);
    assert.equal(bots.json()[0].admin_id, ADMIN);
    assert.equal(bots.json()[0].balance, 210);
    for (const url of [
      `/api/bots/${BOT.id}/summary`,
      `/api/analytics?bot_id=${BOT.id}&start_date=2024-03-01&end_date=2024-03-31`,
      `/api/users?bot_id=${BOT.id}`,
      `/api/payments?bot_id=${BOT.id}`,
      `/api/subscriptions?bot_id=${BOT.id}`,
      `/api/v1/admin/users?bot_id=${BOT.id}`,
      `/api/v1/admin/settings?bot_id=${BOT.id}`,
    ]) {
      const res = await inject('GET', url, otherAdmin);
      assert.equal(res.statusCode, 403, url);
    }
  });

  it('should give zero-filled days with day boundaries in the stated time zone', async () => {
    const utc = await inject('GET', `/api/analytics?bot_id=${BOT.id}&start_date=2024-03-09&end_date=2024-03-12`, admin);
    assert.equal(utc.statusCode, 200, utc.body);
    assert.deepEqual(utc.json().map((d: { date: string; registrations: number }) => [d.date, d.registrations]), [
      ['2024-03-09', 0],
      ['2024-03-10', 2],
      ['2024-03-11', 0],
      ['2024-03-12', 0],
    ]);
    assert.deepEqual(Object.keys(utc.json()[0]).sort(), ['date', 'keys', 'payments', 'refunds', 'registrations', 'renewals', 'revenue', 'subscriptions', 'trials']);
    const moscow = await inject('GET', `/api/analytics?bot_id=${BOT.id}&start_date=2024-03-10&end_date=2024-03-11&tz=Europe/Moscow`, admin);
    assert.deepEqual(moscow.json().map((d: { registrations: number }) => d.registrations), [0, 2]);
  });

  it('should reject malformed dates, page 0, limit 10^6 and unknown zones with 400', async () => {
    for (const url of [
      `/api/analytics?bot_id=${BOT.id}&start_date=2024-02-30&end_date=2024-03-01`,
      `/api/analytics?bot_id=${BOT.id}&start_date=yesterday&end_date=2024-03-01`,
      `/api/analytics?bot_id=${BOT.id}&start_date=2024-03-02&end_date=2024-03-01`,
      `/api/analytics?bot_id=${BOT.id}&start_date=2020-01-01&end_date=2024-03-01`,
      `/api/analytics?bot_id=${BOT.id}&start_date=2024-03-01&end_date=2024-03-02&tz=Mars/Olympus`,
      `/api/users?bot_id=${BOT.id}&page=0`,
      `/api/users?bot_id=${BOT.id}&limit=1000000`,
      `/api/payments?bot_id=${BOT.id}&start_date=2024-13-01`,
      `/api/v1/admin/charts/users-daily?days=0`,
    ]) {
      const res = await inject('GET', url, admin);
      assert.equal(res.statusCode, 400, url);
      assert.equal(res.json().success, false);
      assert.ok(res.json().error.length > 10, res.json().error);
    }
  });

  it('should return seed 002 pages and the summary', async () => {
    const users = await inject('GET', `/api/users?bot_id=${BOT.id}&page=1&limit=2`, admin);
    assert.equal(users.statusCode, 200);
    assert.equal(users.json().total, 5);
    assert.equal(users.json().users.length, 2);
    assert.deepEqual(Object.keys(users.json().users[0]).sort(), ['meta', 'ref_percent', 'reg_date', 'uid', 'user_id', 'username']);
    const payments = await inject('GET', `/api/payments?bot_id=${BOT.id}`, admin);
    assert.equal(payments.json().total, 2);
    assert.equal(payments.json().payments[0].status, 'PAID');
    const summary = await inject('GET', `/api/bots/${BOT.id}/summary`, admin);
    assert.deepEqual(summary.json(), { total_users: 5, active_users: 0, new_users_month: 3, total_revenue: 210, monthly_revenue: 210, average_check: 105 });
  });

  it('should count subscriptions, trials, keys and renewals per day', async () => {
    const created = await inject('POST', '/api/v1/admin/subscriptions', admin, { telegram_id: 1003, is_trial: true, keys: ['k1', 'k2'] });
    assert.equal(created.statusCode, 201, created.body);
    const uid = created.json().uid;
    assert.equal((await inject('POST', `/api/v1/admin/subscriptions/${uid}/renew`, admin, { stop_date: new Date(Date.now() + 30 * 86_400_000).toISOString() })).statusCode, 200);
    const subs = await inject('GET', `/api/subscriptions?bot_id=${BOT.id}&status=Active`, admin);
    assert.equal(subs.json().total, 1);
    assert.deepEqual(subs.json().subscriptions[0].keys, ['k1', 'k2']);
    const today = new Date().toISOString().slice(0, 10);
    const day = (await inject('GET', `/api/analytics?bot_id=${BOT.id}&start_date=${today}&end_date=${today}`, admin)).json()[0];
    assert.equal(day.trials, 1);
    assert.equal(day.keys, 2);
    assert.equal(day.renewals, 1);
    assert.equal(day.payments, 2);
    const summary = await inject('GET', `/api/bots/${BOT.id}/summary`, admin);
    assert.equal(summary.json().active_users, 1);
  });

  it('should search, count, ban and adjust credits with an audited reason', async () => {
    const { users } = t.deps.services;
    const code = (await users.require(BOT.id, 1003)).referralCode;
    const byCode = await inject('GET', `/api/v1/admin/users?query=${code}`, admin);
    assert.equal(byCode.json().total, 1);
    assert.equal(byCode.json().items[0].telegram_id, 1003);
    const byId = await inject('GET', '/api/v1/admin/users?query=1002', admin);
    assert.equal(byId.json().items[0].telegram_id, 1002);
    assert.equal((await inject('GET', '/api/v1/admin/users/count?filter_type=paying', admin)).json().count, 2);
    assert.equal((await inject('POST', '/api/v1/admin/users/1004/ban', admin, { reason: 'spam' })).json().is_banned, true);
    assert.equal((await inject('GET', '/api/v1/admin/users/count?filter_type=banned', admin)).json().count, 1);
    const unban = await inject('POST', '/api/v1/admin/users/1004/unban', admin);
    assert.equal(unban.statusCode, 200, unban.body);
    assert.equal(unban.json().is_banned, false);

    const credit = await inject('POST', '/api/v1/admin/credits', admin, { telegram_id: 1004, amount: 50, reason: 'compensation' });
    assert.equal(credit.statusCode, 200, credit.body);
    assert.equal(credit.json().balance, 50);
    assert.equal(credit.json().entry.actor_id, ADMIN);
    assert.equal(credit.json().entry.reason, 'compensation');
    const overdraw = await inject('POST', '/api/v1/admin/credits', admin, { telegram_id: 1004, amount: -51, reason: 'oops' });
    assert.equal(overdraw.statusCode, 402);
    const details = await inject('GET', '/api/v1/admin/users/1004', admin);
    assert.equal(details.json().ledger_sum, 50);
    assert.equal(details.json().recent_ledger[0].type, 'admin_adjustment');
    const userPayments = await inject('GET', '/api/v1/admin/users/1001/payments', admin);
    assert.equal(userPayments.json().items.length, 1);
    assert.equal((await inject('GET', '/api/v1/admin/payments?limit=1', admin)).json().total, 2);
    const daily = await inject('GET', '/api/v1/admin/payments/daily?days=7', admin);
    assert.equal(daily.json().length, 7);
    assert.equal(daily.json()[6].stars, 210);
  });

  it('should keep system settings per bot', async () => {
    const patched = await inject('PATCH', '/api/v1/admin/settings', admin, { maintenance: true, welcome: { uz: 'Salom' } });
    assert.equal(patched.statusCode, 200, patched.body);
    assert.deepEqual(patched.json(), { maintenance: true, welcome: { uz: 'Salom' } });
    await inject('PATCH', '/api/v1/admin/settings', admin, { maintenance: null });
    assert.deepEqual((await inject('GET', '/api/v1/admin/settings', admin)).json(), { welcome: { uz: 'Salom' } });
    assert.deepEqual((await inject('GET', '/api/v1/admin/settings', otherAdmin)).json(), {});
  });

  it('should serve the admin stats and daily charts', async () => {
    const stats = await inject('GET', '/api/v1/admin/stats?days=30', admin);
    assert.equal(stats.statusCode, 200, stats.body);
    assert.equal(stats.json().users.total, 5);
    assert.equal(stats.json().revenue.stars, 210);
    for (const chart of ['users-daily', 'generations-daily', 'revenue-daily']) {
      const res = await inject('GET', `/api/v1/admin/charts/${chart}?days=30`, admin);
      assert.equal(res.statusCode, 200, chart);
      assert.equal(res.json().length, 30);
    }
    const { users, ledger } = t.deps.services;
    await ledger.spend((await users.require(BOT.id, 1001)).id, 27, 'generation', 'g-1', undefined, { model_id: 'seedream-v4' });
    const models = await inject('GET', '/api/v1/admin/charts/models-breakdown?days=30', admin);
    assert.deepEqual(models.json(), [{ model_id: 'seedream-v4', generations: 1, credits: 27 }]);
    const gens = (await inject('GET', '/api/v1/admin/charts/generations-daily?days=1', admin)).json();
    assert.equal(gens[0].total, 1);
  });
});
