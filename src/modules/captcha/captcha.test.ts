import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildTestApp, type TestApp } from '../../../test/app.ts';
import { startTelegramEmulator, type TelegramEmulator } from '../../../test/telegram-emulator.ts';

const BOT_A = 8100001;
const BOT_B = 8100002;
const GROUP_A = -1008100001;
const GROUP_B = -1008100002;

/**
 * The routes a bot running in its own process uses (members, captcha, flood, scheduled
 * deletions): input checked by schema, and no tenant reaching another's groups or users.
 */
describe('remote bot API: captcha, flood, members, scheduled deletions', () => {
  let t: TestApp;
  let emu: TelegramEmulator;
  let keyA: Record<string, string>;

  before(async () => {
    emu = await startTelegramEmulator();
    emu.addChat({ id: GROUP_A, type: 'supergroup', title: 'A', members: [501, 502, 503].map((id) => ({ user: { id, is_bot: false, first_name: `U${id}` } })) });
    t = await buildTestApp({ TELEGRAM_API_ROOT: emu.apiRoot });
    for (const [bot, group] of [[BOT_A, GROUP_A], [BOT_B, GROUP_B]]) {
      assert.equal((await t.call('POST', '/api/v2/bots', { token: `${bot}:AAAAAAAAAAAAAAAAAAAAAAAAAAAA` })).statusCode, 201);
      assert.equal((await t.call('POST', '/api/v2/groups', { group_id: group, name: `Group of ${bot}`, bot_id: bot })).statusCode, 201);
    }
    const created = await t.call('POST', '/api/v2/keys', { name: 'bot A', scope: 'bot', bot_id: BOT_A, access: 'write' });
    assert.equal(created.statusCode, 201);
    keyA = { authorization: `Bearer ${created.json().data.key}` };
  });
  after(async () => {
    await t.close();
    await emu.close();
  });

  it('should start a challenge that mutes the newcomer, solve it once, and 404 an unknown one', async () => {
    const started = await t.call('POST', `/api/v2/groups/${GROUP_A}/captcha`, { user_id: 501, message_id: 77, timeout_seconds: 60 }, keyA);
    assert.equal(started.statusCode, 201);
    assert.equal(started.json().data.status, 'pending');
    assert.ok(Date.parse(started.json().data.expires_at) > Date.now() + 55_000);
    assert.equal((await t.call('GET', `/api/v2/groups/${GROUP_A}/users/501/status`)).json().data.is_muted, true);

    const solve = () => t.call('POST', `/api/v2/groups/${GROUP_A}/captcha/501/solve`, undefined, keyA);
    assert.deepEqual((await solve()).json().data, { solved: true });
    assert.deepEqual((await solve()).json().data, { solved: false });
    assert.equal((await t.call('GET', `/api/v2/groups/${GROUP_A}/users/501/status`)).json().data.is_muted, false);
    const unknown = await t.call('GET', `/api/v2/groups/${GROUP_A}/captcha/999`, undefined, keyA);
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().success, false);
  });

  it('should refuse bad input and another tenant\'s group', async () => {
    const tooShort = await t.call('POST', `/api/v2/groups/${GROUP_A}/captcha`, { user_id: 502, message_id: 1, timeout_seconds: 1 }, keyA);
    assert.equal(tooShort.statusCode, 400);
    assert.equal(tooShort.json().code, 'VALIDATION_FAILED');
    assert.equal((await t.call('POST', `/api/v2/groups/${GROUP_B}/captcha`, { user_id: 502, message_id: 1, timeout_seconds: 60 }, keyA)).statusCode, 403);
    assert.equal((await t.call('POST', `/api/v2/groups/${GROUP_B}/flood`, { user_id: 502 }, keyA)).statusCode, 403);
    assert.equal((await t.call('POST', `/api/v2/groups/${GROUP_A}/flood`, { user_id: 'x' }, keyA)).statusCode, 400);
    assert.equal((await t.call('POST', `/api/v2/bots/${BOT_B}/scheduled-deletions`, { chat_id: GROUP_B, message_id: 1, delete_after_seconds: 5 }, keyA)).statusCode, 403);
    assert.equal((await t.call('POST', `/api/v2/bots/${BOT_A}/scheduled-deletions`, { chat_id: GROUP_A, message_id: 0, delete_after_seconds: 5 }, keyA)).statusCode, 400);
    assert.equal((await t.call('POST', `/api/v2/bots/${BOT_A}/scheduled-deletions`, { chat_id: GROUP_A, message_id: 3, delete_after_seconds: 5 }, keyA)).statusCode, 202);
  });

  it('should count messages and apply the flood penalty on the limit, logged as a rule', async () => {
    await t.call('PUT', `/api/v2/groups/${GROUP_A}/settings`, { moderation: { flood_messages: 3, flood_window_seconds: 5, flood_action: 'mute' } });
    const count = (at: number) => t.call('POST', `/api/v2/groups/${GROUP_A}/flood`, { user_id: 503, sent_at: new Date(at).toISOString() }, keyA);
    const start = Date.now();
    assert.equal((await count(start)).json().data.penalty, null);
    // Outside the window: does not add up with the first.
    assert.equal((await count(start + 6000)).json().data.penalty, null);
    assert.equal((await count(start + 7000)).json().data.penalty, null);
    const penalty = (await count(start + 8000)).json().data.penalty;
    assert.equal(penalty.action_type, 'mute');
    assert.equal(penalty.user_id, 503);
    const [entry] = (await t.call('GET', `/api/v2/groups/${GROUP_A}/actions?user_id=503`)).json().data.items;
    assert.equal(entry.source, 'rule');
    // The counter starts again after a penalty.
    assert.equal((await count(start + 8500)).json().data.penalty, null);
  });

  it('should remember members for global keys only', async () => {
    const put = await t.call('PUT', '/api/v2/members/601', { username: 'Someone_1', first_name: 'Some' });
    assert.equal(put.statusCode, 200);
    assert.equal((await t.call('GET', '/api/v2/members/by-username/@someone_1')).json().data.user_id, 601);
    assert.equal((await t.call('GET', '/api/v2/members/601')).json().data.first_name, 'Some');
    assert.equal((await t.call('GET', '/api/v2/members/602')).statusCode, 404);
    assert.equal((await t.call('PUT', '/api/v2/members/601', { username: 'bad name!', first_name: 'x' })).statusCode, 400);
    assert.equal((await t.call('GET', '/api/v2/members/601', undefined, keyA)).statusCode, 403);
    assert.equal((await t.call('GET', '/api/v2/members/601', undefined, { authorization: 'Bearer nope' })).statusCode, 401);
  });
});
