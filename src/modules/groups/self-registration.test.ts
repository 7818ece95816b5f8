import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BOT_ID, BOT_TOKEN, startTestBot, type TestBot } from '../../../test/bot.ts';

const OWNER = { id: 88001, is_bot: false, first_name: 'Owner', language_code: 'en' };
const BOT_USER = { id: BOT_ID, is_bot: true, first_name: 'Test bot', username: 'test_bot' };
const stamp = '2026-01-17T14:30:45.123456';

describe('groups that register themselves', () => {
  let b: TestBot;
  let botKey: { authorization: string };
  const call = (method: string, url: string, payload?: unknown, headers: Record<string, string> = b.t.auth) =>
    b.t.app.inject({ method: method as 'GET', url, headers, ...(payload !== undefined && { payload: payload as object }) });
  /** Seed 001's six client calls, exactly as its document gives them (health has no group). */
  const seedCalls = (g: number, headers: Record<string, string>) => ({
    get_group_settings: () => call('GET', `/api/v2/groups/${g}/settings`, undefined, headers),
    get_user_status: () => call('GET', `/api/v2/groups/${g}/users/123456789/status`, undefined, headers),
    execute_action: () =>
      call('POST', `/api/v2/groups/${g}/enforcement/mute`, { action_type: 'mute', user_id: 123456789, group_id: g, admin_id: 111111111, duration: null, reason: 'Spamming', timestamp: stamp }, headers),
    update_user_action_state: () => call('POST', `/api/v2/groups/${g}/users/123456789/actions`, { user_id: 123456789, action: 'mute', state: 'active', timestamp: stamp }, headers),
    log_action: () => call('POST', '/api/v2/logs/actions', { group_id: g, user_id: 123456789, admin_id: 111111111, action: 'mute', details: 'User was spamming', timestamp: stamp }, headers),
  });

  before(async () => {
    b = await startTestBot();
    const key = await call('POST', '/api/v2/keys', { name: 'seed-001 bot', scope: 'bot', bot_id: BOT_ID, access: 'write' });
    botKey = { authorization: `Bearer ${key.json().data.key}` };
  });
  after(async () => b.close());

  it('should register a group with default settings when the bot is added to it', async () => {
    const GROUP = -1008800000001;
    b.emu.addChat({ id: GROUP, type: 'supergroup', title: 'Fresh Group', members: [{ user: OWNER, status: 'creator' }] });
    const since = b.emu.calls.length;
    b.emu.pushUpdate(BOT_TOKEN, {
      my_chat_member: {
        chat: { id: GROUP, type: 'supergroup', title: 'Fresh Group' },
        from: OWNER,
        date: Math.floor(Date.now() / 1000),
        old_chat_member: { user: BOT_USER, status: 'left' },
        new_chat_member: { user: BOT_USER, status: 'member' },
      },
    });
    await b.waitFor('sendMessage', (c) => c.params.chat_id === GROUP, { since });
    const group = (await call('GET', `/api/v2/groups/${GROUP}`)).json().data;
    assert.deepEqual({ bot_id: group.bot_id, name: group.name }, { bot_id: BOT_ID, name: 'Fresh Group' });
    const settings = (await call('GET', `/api/v2/groups/${GROUP}/settings`)).json().data;
    assert.equal(settings.moderation.warn_limit, 3);
    assert.deepEqual(settings.features_enabled, { auto_delete_commands: false, auto_delete_welcome: false, night_mode: false, lockdown_enabled: false });
  });

  it('should register an unknown group on the first seed-001 call by a key bound to a bot, for each of the five group calls', async () => {
    let g = -1008800000100;
    for (const [name, run] of Object.entries(seedCalls(0, botKey))) {
      g -= 1;
      b.emu.addChat({ id: g, type: 'supergroup', title: `Seed ${name}` });
      const res = await (seedCalls(g, botKey) as Record<string, () => ReturnType<typeof run>>)[name]();
      assert.ok(res.statusCode === 200 || res.statusCode === 201, `${name}: ${res.statusCode} ${res.body}`);
      assert.equal(res.json().success, true);
      const group = (await call('GET', `/api/v2/groups/${g}`)).json().data;
      assert.deepEqual({ bot_id: group.bot_id, name: group.name }, { bot_id: BOT_ID, name: `Seed ${name}` }, name);
      // Then every other call works on it too, through the same key.
      for (const [other, next] of Object.entries(seedCalls(g, botKey))) {
        const again = await next();
        assert.ok(again.statusCode < 300, `${name} then ${other}: ${again.statusCode} ${again.body}`);
      }
    }
    const muted = (await call('GET', `/api/v2/groups/${g}/users/123456789/status`, undefined, botKey)).json().data;
    assert.equal(muted.is_muted, true);
    assert.ok(b.emu.callsTo('restrictChatMember').some((c) => Number(c.params.chat_id) === g), 'the mute reached Telegram with the bot token');
  });

  it('should register once when two first calls race', async () => {
    const g = -1008800000200;
    b.emu.addChat({ id: g, type: 'supergroup', title: 'Race' });
    const calls = seedCalls(g, botKey);
    const [a, c] = await Promise.all([calls.get_group_settings(), calls.get_user_status()]);
    assert.equal(a.statusCode, 200, a.body);
    assert.equal(c.statusCode, 200, c.body);
    const log = (await call('GET', `/api/v2/groups/${g}/actions?action=group_created`)).json().data;
    assert.equal(log.items.filter((e: { action: string }) => e.action === 'group_created').length, 1);
  });

  it('should still answer 404 to a global key, a read-only bot key, or a chat the bot is not in', async () => {
    const g = -1008800000300;
    b.emu.addChat({ id: g, type: 'supergroup', title: 'Unclaimed' });
    for (const [name, run] of Object.entries(seedCalls(g, b.t.auth))) {
      const res = await run();
      assert.equal(res.statusCode, 404, `${name}: ${res.body}`);
      assert.deepEqual({ success: res.json().success, code: res.json().code }, { success: false, code: 'GROUP_NOT_FOUND' });
    }
    const ro = (await call('POST', '/api/v2/keys', { name: 'ro', scope: 'bot', bot_id: BOT_ID, access: 'read' })).json().data.key;
    assert.equal((await seedCalls(g, { authorization: `Bearer ${ro}` }).get_group_settings()).statusCode, 404);
    b.emu.failNext('getChat', { error_code: 400, description: 'Bad Request: chat not found' });
    const notIn = await seedCalls(g, botKey).execute_action();
    assert.equal(notIn.statusCode, 404, notIn.body);
    assert.equal((await call('GET', `/api/v2/groups/${g}`)).statusCode, 404, 'nothing registered');

    // A group another bot runs stays out of reach.
    await call('POST', '/api/v2/groups', { group_id: -1008800000301, name: 'Other bot', bot_id: 999 });
    assert.equal((await seedCalls(-1008800000301, botKey).get_group_settings()).statusCode, 403);
  });
});
