import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildTestApp, type TestApp } from '../../../test/app.ts';
import { startTelegramEmulator, type TelegramEmulator } from '../../../test/telegram-emulator.ts';

const GROUP = -1001000000001;
const TG_GROUP = -1001000000002;
const BOT_TOKEN = '777000111:AAH5YkoiEuPk8-FZa32hStHTqXiLPtAEhx8';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('enforcement API', () => {
  let t: TestApp;
  let tg: TelegramEmulator;
  const call = (method: string, url: string, payload?: unknown, headers?: Record<string, string>) => t.call(method, url, payload, headers);
  const status = async (groupId: number, userId: number) => (await call('GET', `/api/v2/groups/${groupId}/users/${userId}/status`)).json().data;

  before(async () => {
    tg = await startTelegramEmulator();
    t = await buildTestApp({ TELEGRAM_API_ROOT: tg.apiRoot, TELEGRAM_MAX_RETRY_AFTER: '5' });
    await call('POST', '/api/v2/groups', { group_id: GROUP, name: 'No bot' });
    await call('POST', '/api/v2/bots', { token: BOT_TOKEN, title: 'Mod bot' });
    await call('POST', '/api/v2/groups', { group_id: TG_GROUP, name: 'With bot', bot_id: 777000111 });
    tg.addChat({ id: TG_GROUP, type: 'supergroup', title: 'With bot', permissions: { can_send_messages: true, can_send_photos: true, can_invite_users: true } });
  });
  after(async () => {
    await t.close();
    await tg.close();
  });
  beforeEach(() => tg.clearCalls());

  it("should execute seed 001's mute payload and report it in the user status", async () => {
    const res = await call('POST', `/api/v2/groups/${GROUP}/enforcement/mute`, {
      action_type: 'mute',
      user_id: 123456789,
      group_id: GROUP,
      admin_id: 111111111,
      duration: null,
      reason: 'Spamming',
      timestamp: '2026-01-17T14:30:45.123456',
    });
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(body.success, true);
    assert.equal(body.error, null);
    assert.match(body.message, /Mute executed/);
    const s = await status(GROUP, 123456789);
    assert.deepEqual(Object.keys(s).sort(), ['active_actions', 'has_warnings', 'is_banned', 'is_locked_down', 'is_muted', 'is_restricted', 'last_action', 'night_mode_enabled', 'user_id']);
    assert.equal(s.is_muted, true);
    assert.deepEqual(s.active_actions, ['mute']);
    assert.ok(s.last_action);
    await call('POST', `/api/v2/groups/${GROUP}/enforcement/unmute`, { user_id: 123456789 });
    assert.equal((await status(GROUP, 123456789)).is_muted, false);
  });

  it('should end a timed mute on time without any job running, and log the expiry once swept', async () => {
    await call('POST', `/api/v2/groups/${GROUP}/enforcement/mute`, { user_id: 5001, duration: 1 });
    assert.equal((await status(GROUP, 5001)).is_muted, true);
    await sleep(1200);
    assert.equal((await status(GROUP, 5001)).is_muted, false);
    const swept = await t.deps.services.enforcement.sweepExpired();
    assert.ok(swept >= 1);
    const log = (await call('GET', `/api/v2/groups/${GROUP}/actions?user_id=5001&action=mute_expired`)).json().data;
    assert.equal(log.total, 1);
    assert.equal(log.items[0].result, 'expired');
    await t.deps.services.enforcement.sweepExpired();
    assert.equal((await call('GET', `/api/v2/groups/${GROUP}/actions?user_id=5001&action=mute_expired`)).json().data.total, 1);
  });

  it('should reject unknown actions, negative durations, wrong types and unknown groups with 4xx and write nothing', async () => {
    const before = (await call('GET', `/api/v2/groups/${GROUP}/actions?user_id=6001`)).json().data.total;
    const bad: [string, unknown, number][] = [
      [`/api/v2/groups/${GROUP}/enforcement/explode`, { user_id: 6001 }, 400],
      [`/api/v2/groups/${GROUP}/enforcement/mute`, { user_id: 6001, duration: -5 }, 400],
      [`/api/v2/groups/${GROUP}/enforcement/mute`, { user_id: 'abc' }, 400],
      [`/api/v2/groups/${GROUP}/enforcement/mute`, {}, 400],
      [`/api/v2/groups/${GROUP}/enforcement/mute`, { user_id: 6001, group_id: 42 }, 400],
      ['/api/v2/groups/-999999/enforcement/mute', { user_id: 6001 }, 404],
    ];
    for (const [url, payload, code] of bad) {
      const res = await call('POST', url, payload);
      assert.equal(res.statusCode, code, `${url} ${JSON.stringify(payload)}: ${res.body}`);
      assert.equal(res.json().success, false);
      assert.equal(typeof res.json().error, 'string');
    }
    assert.equal((await call('GET', `/api/v2/groups/${GROUP}/actions?user_id=6001`)).json().data.total, before);
    assert.equal((await status(GROUP, 6001)).is_muted, false);
  });

  it('should fire the highest-priority warn rule at its threshold, log it, and reset the warnings', async () => {
    await call('POST', `/api/v2/groups/${GROUP}/rules`, { name: '3 warns: mute 1h', trigger: { type: 'warn_count', threshold: 3 }, penalty: { action: 'mute', duration: 3600 }, priority: 10 });
    await call('POST', `/api/v2/groups/${GROUP}/rules`, { name: '3 warns: ban', trigger: { type: 'warn_count', threshold: 3 }, penalty: { action: 'ban' }, priority: 1 });
    for (let i = 0; i < 2; i++) {
      const r = (await call('POST', `/api/v2/groups/${GROUP}/enforcement/warn`, { user_id: 7001, reason: `w${i}` })).json().data;
      assert.equal(r.rule_fired, null);
    }
    assert.equal((await status(GROUP, 7001)).has_warnings, 2);
    const third = (await call('POST', `/api/v2/groups/${GROUP}/enforcement/warn`, { user_id: 7001 })).json().data;
    assert.equal(third.warnings, 3);
    assert.equal(third.rule_fired.name, '3 warns: mute 1h');
    assert.equal(third.rule_fired.penalty, 'mute');
    const s = await status(GROUP, 7001);
    assert.equal(s.is_muted, true);
    assert.equal(s.is_banned, false);
    assert.equal(s.has_warnings, 0);
    const log = (await call('GET', `/api/v2/groups/${GROUP}/actions?user_id=7001&source=rule`)).json().data;
    assert.equal(log.total, 1);
    assert.equal(log.items[0].action, 'mute');
    assert.equal(log.items[0].duration, 3600);
    const ruleId = third.rule_fired.rule_id;
    const history = (await call('GET', `/api/v2/groups/${GROUP}/rules/${ruleId}/history`)).json().data;
    assert.deepEqual(history.map((h: { change: string }) => h.change), ['created', 'fired']);
  });

  it('should fire a rule once when warnings arrive concurrently', async () => {
    const results = await Promise.all(
      Array.from({ length: 6 }, () => call('POST', `/api/v2/groups/${GROUP}/enforcement/warn`, { user_id: 7002 })),
    );
    assert.ok(results.every((r) => r.statusCode === 200));
    const fired = results.filter((r) => r.json().data.rule_fired !== null);
    assert.equal(fired.length, 2, 'six warnings at threshold 3 with reset fire exactly twice');
    assert.equal((await status(GROUP, 7002)).has_warnings, 0);
  });

  it('should end consistent after concurrent mute/unmute toggles (no lost update)', async () => {
    const sequence = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 'mute' : 'unmute'));
    await Promise.all(sequence.map((a) => call('POST', `/api/v2/groups/${GROUP}/enforcement/${a}`, { user_id: 8001 })));
    const s = await status(GROUP, 8001);
    const log = (await call('GET', `/api/v2/groups/${GROUP}/actions?user_id=8001&limit=1`)).json().data;
    const last = log.items[0].action;
    assert.equal(log.total, 20);
    assert.equal(s.is_muted, last === 'mute', 'status agrees with the last logged action');
  });

  it('should let a role act only with its permission and only on lower priority', async () => {
    await call('POST', `/api/v2/groups/${GROUP}/roles`, { name: 'helper', permissions: ['can_warn'], priority: 10 });
    await call('POST', `/api/v2/groups/${GROUP}/roles`, { name: 'moderator', permissions: ['can_mute'], priority: 50, inherits_from: 'helper' });
    await call('POST', `/api/v2/groups/${GROUP}/roles`, { name: 'admin', permissions: ['can_ban', 'can_mute'], priority: 100 });
    await call('POST', `/api/v2/groups/${GROUP}/users/bulk`, { users: [{ user_id: 1, role: 'helper' }, { user_id: 2, role: 'moderator' }, { user_id: 3, role: 'admin' }, { user_id: 4, role: 'moderator' }] });
    const mod = (await call('GET', `/api/v2/groups/${GROUP}/roles/moderator`)).json().data;
    assert.deepEqual(mod.effective_permissions, ['can_mute', 'can_warn']);
    assert.equal(mod.member_count, 2);
    const helperMutes = await call('POST', `/api/v2/groups/${GROUP}/enforcement/mute`, { user_id: 99, admin_id: 1 });
    assert.equal(helperMutes.statusCode, 403);
    assert.equal((await call('POST', `/api/v2/groups/${GROUP}/enforcement/warn`, { user_id: 99, admin_id: 2 })).statusCode, 200);
    assert.equal((await call('POST', `/api/v2/groups/${GROUP}/enforcement/mute`, { user_id: 4, admin_id: 2 })).statusCode, 403, 'equal priority');
    assert.equal((await call('POST', `/api/v2/groups/${GROUP}/enforcement/mute`, { user_id: 3, admin_id: 2 })).statusCode, 403, 'higher priority');
    assert.equal((await call('POST', `/api/v2/groups/${GROUP}/enforcement/mute`, { user_id: 2, admin_id: 3 })).statusCode, 200);
    const cycle = await call('PUT', `/api/v2/groups/${GROUP}/roles/helper`, { inherits_from: 'moderator' });
    assert.equal(cycle.statusCode, 400);
    assert.equal(cycle.json().code, 'ROLE_CYCLE');
    const badBulk = await call('POST', `/api/v2/groups/${GROUP}/users/bulk`, { users: [{ user_id: 10, role: 'helper' }, { user_id: 11, role: 'ghost' }] });
    assert.equal(badBulk.statusCode, 400);
    assert.match(badBulk.json().error, /Row 1/);
    assert.equal((await call('GET', `/api/v2/groups/${GROUP}/users/10/role`)).json().data.role, null, 'batch rejected whole');
  });

  it('should record a state without calling Telegram (seed 001 update_user_action_state)', async () => {
    const res = await call('POST', `/api/v2/groups/${TG_GROUP}/users/9001/actions`, { user_id: 9001, action: 'ban', state: 'active', timestamp: '2026-01-17T14:30:45.123456' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().data.is_banned, true);
    assert.equal(tg.calls.length, 0);
    await call('POST', `/api/v2/groups/${TG_GROUP}/users/9001/actions`, { action: 'ban', state: 'inactive' });
    assert.equal((await status(TG_GROUP, 9001)).is_banned, false);
    const logged = await call('POST', '/api/v2/logs/actions', { group_id: TG_GROUP, user_id: 9001, admin_id: 1, action: 'mute', details: 'User was spamming', timestamp: '2026-01-17T14:30:45.123456' });
    assert.equal(logged.statusCode, 201);
    assert.equal(logged.json().data.reason, 'User was spamming');
  });

  it('should restrict in Telegram with until_date when the group has a bot token', async () => {
    const before = Math.floor(Date.now() / 1000);
    const res = await call('POST', `/api/v2/groups/${TG_GROUP}/enforcement/mute`, { user_id: 9100, duration: 3600, reason: 'spam' });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().data.applied_to_telegram, true);
    const restrict = tg.lastCall('restrictChatMember')!;
    assert.equal(Number(restrict.params.chat_id), TG_GROUP);
    assert.equal(Number(restrict.params.user_id), 9100);
    const until = Number(restrict.params.until_date);
    assert.ok(until >= before + 3600 && until <= before + 3602, `until_date ${until}`);
    assert.equal((restrict.params.permissions as Record<string, boolean>).can_send_messages, false);
    assert.equal(tg.getMember(TG_GROUP, 9100).status, 'restricted');
    await call('POST', `/api/v2/groups/${TG_GROUP}/enforcement/ban`, { user_id: 9101 });
    assert.equal(tg.getMember(TG_GROUP, 9101).status, 'kicked');
    await call('POST', `/api/v2/groups/${TG_GROUP}/enforcement/unban`, { user_id: 9101 });
    assert.equal(tg.lastCall('unbanChatMember')!.params.only_if_banned, true);
  });

  it('should leave state unchanged and log the failure when Telegram refuses', async () => {
    tg.failNext('banChatMember', { error_code: 400, description: 'Bad Request: user is an administrator of the chat' });
    const res = await call('POST', `/api/v2/groups/${TG_GROUP}/enforcement/ban`, { user_id: 9200, reason: 'x' });
    assert.equal(res.statusCode, 422);
    assert.equal(res.json().success, false);
    assert.equal(res.json().error, 'Bad Request: user is an administrator of the chat');
    assert.equal((await status(TG_GROUP, 9200)).is_banned, false);
    const log = (await call('GET', `/api/v2/groups/${TG_GROUP}/actions?user_id=9200`)).json().data;
    assert.equal(log.total, 1);
    assert.equal(log.items[0].result, 'failed');
    assert.match(log.items[0].error, /administrator/);
  });

  it('should wait out a 429 retry_after and then succeed', async () => {
    tg.failNext('restrictChatMember', { error_code: 429, retry_after: 1 });
    const started = Date.now();
    const res = await call('POST', `/api/v2/groups/${TG_GROUP}/enforcement/mute`, { user_id: 9300 });
    assert.equal(res.statusCode, 200, res.body);
    assert.ok(Date.now() - started >= 900, 'waited retry_after');
    assert.equal(tg.callsTo('restrictChatMember').length, 2);
  });

  it('should refuse a timed restriction Telegram would treat as permanent', async () => {
    const res = await call('POST', `/api/v2/groups/${TG_GROUP}/enforcement/mute`, { user_id: 9400, duration: 10 });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().code, 'INVALID_DURATION');
    assert.equal(tg.calls.length, 0);
  });

  it('should lock a chat down, saving its permissions, and restore them on unlock', async () => {
    const res = await call('POST', `/api/v2/groups/${TG_GROUP}/enforcement/lockdown`, { reason: 'raid' });
    assert.equal(res.statusCode, 200, res.body);
    const set = tg.lastCall('setChatPermissions')!;
    assert.equal((set.params.permissions as Record<string, boolean>).can_send_messages, false);
    assert.equal((await status(TG_GROUP, 1)).is_locked_down, true);
    assert.equal((await call('GET', `/api/v2/groups/${TG_GROUP}/settings`)).json().data.features_enabled.lockdown_enabled, true);
    await call('POST', `/api/v2/groups/${TG_GROUP}/enforcement/unlock`, {});
    const restored = tg.lastCall('setChatPermissions')!.params.permissions as Record<string, boolean>;
    assert.equal(restored.can_send_messages, true);
    assert.equal(restored.can_send_photos, true);
    assert.equal((await status(TG_GROUP, 1)).is_locked_down, false);
  });

  it('should lift an expired lockdown in the sweep and restore permissions in Telegram', async () => {
    await call('POST', `/api/v2/groups/${TG_GROUP}/enforcement/night_mode`, { enabled: true, duration: 1 });
    assert.equal((await status(TG_GROUP, 1)).night_mode_enabled, true);
    await sleep(1100);
    assert.equal((await status(TG_GROUP, 1)).night_mode_enabled, false, 'expiry applied at read time');
    tg.clearCalls();
    await t.deps.services.enforcement.sweepExpired();
    assert.equal(tg.callsTo('setChatPermissions').length, 1);
    const log = (await call('GET', `/api/v2/groups/${TG_GROUP}/actions?action=night_mode_off`)).json().data;
    assert.equal(log.items[0].source, 'system');
  });
});
