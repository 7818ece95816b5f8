import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Bot } from 'grammy';
import { buildTestApp, type TestApp } from '../../../test/app.ts';
import { startTelegramEmulator, type TelegramEmulator } from '../../../test/telegram-emulator.ts';
import { updateMetrics } from './metrics.bot.ts';

const BOT_TOKEN = '700100:AAbbccddeeffgghhiijjkkllmmnnooppqq';
const BOT_ID = 700100;
const GROUP_ID = -1009000000001;

/** The value of the Prometheus sample with these labels (in any order), or undefined. */
function sample(exposition: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of exposition.split('\n')) {
    const match = /^(\w+)\{(.*)\} (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...match[2].matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[3]);
  }
  return undefined;
}

describe('metrics API', () => {
  let t: TestApp;
  let emu: TelegramEmulator;
  const get = (url: string, headers: Record<string, string> = t.auth) => t.app.inject({ method: 'GET', url, headers });
  const post = (url: string, payload: object, headers: Record<string, string> = t.auth) => t.app.inject({ method: 'POST', url, headers, payload });

  before(async () => {
    emu = await startTelegramEmulator();
    t = await buildTestApp({ TELEGRAM_API_ROOT: emu.apiRoot, METRICS_TOKEN: 'prometheus-scrape-token' });
    assert.equal((await post('/api/v2/bots', { token: BOT_TOKEN, title: 'Metrics bot' })).statusCode, 201);
    assert.equal((await post('/api/v2/groups', { group_id: GROUP_ID, name: 'Metrics group', bot_id: BOT_ID })).statusCode, 201);
  });
  after(async () => {
    await t.close();
    await emu.close();
  });

  it('should need a global key: 401 without one, 403 for a bot-scoped key, 200 for a global read key', async () => {
    assert.equal((await get('/api/stats', {})).statusCode, 401);
    const scoped = (await post('/api/v2/keys', { name: 'bot key', scope: 'bot', bot_id: BOT_ID, access: 'write' })).json().data.key;
    const denied = await get('/api/metrics/system', { authorization: `Bearer ${scoped}` });
    assert.equal(denied.statusCode, 403);
    assert.equal(denied.json().code, 'FORBIDDEN');
    const reader = (await post('/api/v2/keys', { name: 'reader', scope: 'global', access: 'read' })).json().data.key;
    assert.equal((await get('/api/metrics/system', { authorization: `Bearer ${reader}` })).statusCode, 200);
  });

  it('should report stats with the registered bots and groups', async () => {
    const res = await get('/api/stats');
    assert.equal(res.statusCode, 200);
    const stats = res.json().data;
    assert.equal(stats.name, 'tgbase');
    assert.equal(stats.bots_total, 1);
    // Registration fills the username in from Telegram (getMe).
    assert.deepEqual(stats.bots[0], { bot_id: BOT_ID, username: `test_${BOT_ID}_bot`, title: 'Metrics bot', status: 'active', has_token: true });
    assert.equal(stats.groups_total, 1);
    assert.equal(stats.database.status, 'ok');
    assert.ok(stats.http_requests_served >= 3);
  });

  it('should report CPU, memory and event-loop delay', async () => {
    const blockUntil = Date.now() + 30;
    while (Date.now() < blockUntil);
    const data = (await get('/api/metrics/system')).json().data;
    assert.ok(data.process.memory.rss_bytes > 10_000_000);
    assert.ok(data.process.memory.heap_used_bytes > 0);
    assert.ok(data.process.cpu_percent > 0);
    assert.ok(data.process.event_loop_delay.max_ms >= 20, `loop delay ${JSON.stringify(data.process.event_loop_delay)}`);
    assert.ok(data.host.cpus >= 1);
    assert.equal(data.host.load_average.length, 3);
  });

  it('should count updates, response times, errors and active users reported by a grammY bot', async () => {
    const bot = new Bot(BOT_TOKEN, {
      botInfo: { id: BOT_ID, is_bot: true, first_name: 'Metrics', username: 'metrics_bot' } as never,
      client: { apiRoot: emu.apiRoot },
    });
    bot.use(updateMetrics(t.deps.services.botMetrics));
    bot.command('fail', () => {
      throw new Error('handler exploded');
    });
    bot.on('message', async () => new Promise((resolve) => setTimeout(resolve, 15)));
    const message = (id: number, userId: number, text: string) => ({
      update_id: id,
      message: { message_id: id, date: Math.floor(Date.now() / 1000), chat: { id: GROUP_ID, type: 'supergroup' as const, title: 'g' }, from: { id: userId, is_bot: false, first_name: 'U' }, text, ...(text.startsWith('/') && { entities: [{ type: 'bot_command' as const, offset: 0, length: text.length }] }) },
    });
    for (let i = 1; i <= 5; i++) await bot.handleUpdate(message(i, 1000 + (i % 3), 'hello'));
    await assert.rejects(bot.handleUpdate(message(6, 1000, '/fail')), /handler exploded/);

    const perf = (await get(`/api/metrics/bot?bot_id=${BOT_ID}`)).json().data;
    const mine = perf.bots[0];
    assert.equal(mine.bot_id, BOT_ID);
    assert.equal(mine.updates_total, 6);
    assert.equal(mine.errors_total, 1);
    assert.equal(mine.updates_last_minute, 6);
    assert.equal(mine.updates_by_type.message, 6);
    assert.ok(mine.response_time_ms.p95 >= 14, JSON.stringify(mine.response_time_ms));
    assert.ok(mine.updates_per_second > 0);
    assert.equal(perf.recent_errors[0].error, 'handler exploded');

    const users = (await get('/api/metrics/users')).json().data.bots;
    assert.deepEqual(users, [{ bot_id: BOT_ID, active_last_5m: 3, active_last_1h: 3, active_last_24h: 3, active_chats_last_24h: 1 }]);
  });

  it('should list failed actions and recent 5xx answers as errors', async () => {
    emu.failNext('banChatMember', { error_code: 400, description: 'Bad Request: not enough rights to restrict/unrestrict chat member' });
    const refused = await post(`/api/v2/groups/${GROUP_ID}/enforcement/ban`, { user_id: 42 });
    assert.equal(refused.statusCode, 422);
    // A retry_after longer than we wait in a request: Telegram is unavailable for now (503).
    emu.failNext('restrictChatMember', { error_code: 429, retry_after: 3600 });
    const unavailable = await post(`/api/v2/groups/${GROUP_ID}/enforcement/mute`, { user_id: 43, duration: 600 });
    assert.equal(unavailable.statusCode, 503);
    emu.clearFaults();

    const errors = (await get('/api/metrics/errors?limit=10')).json().data;
    assert.equal(errors.failed_actions[0].action, 'mute');
    assert.equal(errors.failed_actions[1].action, 'ban');
    assert.match(errors.failed_actions[1].error, /not enough rights/);
    assert.equal(errors.http[0].status, 503);
    assert.equal(errors.http[0].route, '/api/v2/groups/:group_id/enforcement/:action_type');
    assert.equal(errors.http[0].url, `/api/v2/groups/${GROUP_ID}/enforcement/mute`);
    assert.equal(errors.http[0].request_id, unavailable.headers['x-request-id']);
  });

  it('should expose Prometheus metrics behind METRICS_TOKEN with request durations by route', async () => {
    assert.equal((await get('/metrics', {})).statusCode, 401);
    assert.equal((await get('/metrics', { authorization: 'Bearer wrong-token-wrong-token' })).statusCode, 401);
    const res = await get('/metrics', { authorization: 'Bearer prometheus-scrape-token' });
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /text\/plain/);
    assert.ok(sample(res.body, 'tgbase_http_request_duration_seconds_count', { method: 'GET', route: '/api/stats', status_code: '200' })! >= 1);
    assert.equal(sample(res.body, 'tgbase_bot_updates_total', { bot_id: '700100', update_type: 'message', outcome: 'error' }), 1);
    assert.match(res.body, /tgbase_process_resident_memory_bytes/);
    assert.match(res.body, /tgbase_nodejs_eventloop_lag_seconds/);
  });
});
