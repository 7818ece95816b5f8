import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { buildTestApp, type TestApp } from '../../../test/app.ts';
import { startTelegramEmulator, type TelegramEmulator } from '../../../test/telegram-emulator.ts';
import { jobDefinitions } from '../../jobs.ts';
import { DAILY_REPORT } from './analytics.jobs.ts';
import { dayBefore } from './daily-report.service.ts';
import { todayIn } from './analytics.service.ts';

const BOT = { id: 7300001, token: '7300001:REPORTREPORTREPORTREPORTREPORTREPO' };
const OTHER = { id: 7300002, token: '7300002:OTHERREPORTOTHERREPORTOTHERREPORTO' };
const BOT_ADMIN = 701;
const OTHER_ADMIN = 702;
const OPERATOR = 799;

describe('daily admin report', () => {
  let t: TestApp;
  let emu: TelegramEmulator;
  const yesterday = dayBefore(todayIn('Asia/Tashkent'));

  before(async () => {
    emu = await startTelegramEmulator();
    t = await buildTestApp({ TELEGRAM_API_ROOT: emu.apiRoot, DAILY_REPORT_TIME_ZONE: 'Asia/Tashkent', DAILY_REPORT_ADMIN_IDS: String(OPERATOR) });
    await t.deps.jobs.register(jobDefinitions(t.deps), true);
    // Registration stores the username Telegram gives (getMe), not the one the caller sends.
    emu.setBotProfile(BOT.token, { username: 'report_bot' });
    assert.equal((await t.call('POST', '/api/v2/bots', { token: BOT.token, username: 'report_bot', admin_ids: [BOT_ADMIN] })).statusCode, 201);
    assert.equal((await t.call('POST', '/api/v2/bots', { token: OTHER.token, username: 'quiet_bot', admin_ids: [OTHER_ADMIN] })).statusCode, 201);
    const { users, payments, ledger, analytics } = t.deps.services;
    for (let i = 1; i <= 4; i++) await users.sync(BOT.id, { telegram_id: 5000 + i });
    await payments.confirm(BOT.id, { telegram_id: 5001, telegram_payment_charge_id: 'r-1', total_amount: 70, invoice_payload: 'stars:stars_70:5001' });
    await payments.confirm(BOT.id, { telegram_id: 5002, telegram_payment_charge_id: 'r-2', total_amount: 140, invoice_payload: 'stars:stars_140:5002' });
    await ledger.spend((await users.require(BOT.id, 5001)).id, 27, 'generation', 'r-g-1', undefined, { model_id: 'seedream-v4' });
    // Yesterday noon in Tashkent for three users, both payments and the generation; user 5004 joined today.
    const noon = `${yesterday}T07:00:00Z`;
    const db = t.deps.database.db;
    await db.execute(sql`update bot_users set created_at = ${noon}::timestamptz where bot_id = ${BOT.id} and telegram_id <> 5004`);
    await db.execute(sql`update payments set created_at = ${noon}::timestamptz where bot_id = ${BOT.id}`);
    await db.execute(sql`update ledger_entries set created_at = ${noon}::timestamptz where bot_id = ${BOT.id}`);
    await analytics.rebuild(BOT.id);
  });
  after(async () => {
    await t.close();
    await emu.close();
  });

  it('should send yesterday’s figures of each bot to its admins and the configured operators through the job', async () => {
    const since = emu.calls.length;
    await t.deps.jobs.send(DAILY_REPORT, {});
    const toAdmin = await emu.waitForCall('sendMessage', (c) => c.botId === BOT.id && Number(c.params.chat_id) === BOT_ADMIN, { since, timeoutMs: 10_000 });
    const text = String(toAdmin.params.text);
    assert.equal(toAdmin.params.parse_mode, 'HTML');
    assert.match(text, /@report_bot/);
    assert.ok(text.includes(yesterday), text);
    assert.match(text, /New users: 3\n/);
    assert.match(text, /Payments: 2 \(210 ⭐\)/);
    assert.match(text, /Generations: 1 \(27 credits\)/);
    await emu.waitForCall('sendMessage', (c) => c.botId === BOT.id && Number(c.params.chat_id) === OPERATOR && c.params.text === text, { since });
    const quiet = await emu.waitForCall('sendMessage', (c) => c.botId === OTHER.id && Number(c.params.chat_id) === OTHER_ADMIN, { since });
    assert.match(String(quiet.params.text), /New users: 0\n/);
    await emu.waitForCall('sendMessage', (c) => c.botId === OTHER.id && Number(c.params.chat_id) === OPERATOR, { since });
    // Each bot's report reaches only its own admins (and the operators): no cross-tenant leak.
    const reports = emu.calls.slice(since).filter((c) => c.method === 'sendMessage');
    assert.deepEqual(reports.map((c) => `${c.botId}:${c.params.chat_id}`).sort(), [`${BOT.id}:${BOT_ADMIN}`, `${BOT.id}:${OPERATOR}`, `${OTHER.id}:${OPERATOR}`, `${OTHER.id}:${OTHER_ADMIN}`].sort());
  });

  it('should report a given day when the job names one, and keep going when an admin blocked the bot', async () => {
    emu.blockUser(BOT_ADMIN);
    const since = emu.calls.length;
    const outcome = await t.deps.services.dailyReport.send('2024-01-01');
    assert.deepEqual(outcome, { date: '2024-01-01', sent: 3, failed: 1 });
    const toOperator = await emu.waitForCall('sendMessage', (c) => c.botId === BOT.id && Number(c.params.chat_id) === OPERATOR, { since });
    assert.match(String(toOperator.params.text), /2024-01-01[\s\S]*New users: 0\n/);
  });

  it('should schedule the report on the configured cron in its time zone', async () => {
    const schedules = await t.deps.jobs.boss.getSchedules();
    const report = schedules.find((s: { name: string }) => s.name === DAILY_REPORT.name) as { cron: string; timezone: string } | undefined;
    assert.equal(report?.cron, '0 9 * * *');
    assert.equal(report?.timezone, 'Asia/Tashkent');
  });
});
