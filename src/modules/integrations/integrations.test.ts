import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildTestApp, type TestApp } from '../../../test/app.ts';
import { createKey, registerBot } from '../../../test/ops.ts';
import { startTelegramEmulator, type TelegramEmulator } from '../../../test/telegram-emulator.ts';

const GROUP = -1009100000001;
const OTHER_GROUP = -1009100000002;

describe('integrations API: send and chat', () => {
  let t: TestApp;
  let emu: TelegramEmulator;
  let botA: number;
  let botB: number;
  const call = (method: 'GET' | 'POST', url: string, payload?: object, headers: Record<string, string> = t.auth) =>
    t.app.inject({ method, url, headers, ...(payload && { payload }) });

  before(async () => {
    emu = await startTelegramEmulator();
    emu.addChat({ id: GROUP, type: 'supergroup', title: 'Ops room', username: 'opsroom', member_count: 42, extra: { description: 'Where deploys are announced' } });
    t = await buildTestApp({ TELEGRAM_API_ROOT: emu.apiRoot });
    botA = await registerBot(t, '820001:AAintegrations-bot-a-0123456789');
  });
  after(async () => {
    await t.close();
    await emu.close();
  });

  it("should send a message with seed 003's body through the only bot", async () => {
    const res = await call('POST', '/api/send', { chat_id: GROUP, message: 'Hello from API!' });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.success, true);
    assert.equal(body.message, 'Message sent');
    assert.equal(body.data.status, 'success');
    assert.equal(body.data.bot_id, botA);
    assert.equal(body.data.chat_id, GROUP);
    const sent = emu.lastCall('sendMessage')!;
    assert.equal(sent.botId, botA);
    assert.equal(sent.params.text, 'Hello from API!');
    assert.equal(emu.getMessage(GROUP, body.data.message_id)?.text, 'Hello from API!');
  });

  it('should choose the bot by client, and refuse a bot key sending through another bot', async () => {
    botB = await registerBot(t, '820002:AAintegrations-bot-b-0123456789');
    assert.equal((await call('POST', '/api/send', { chat_id: GROUP, message: 'which bot?' })).json().code, 'BOT_REQUIRED');
    const viaB = await call('POST', '/api/send', { chat_id: GROUP, message: 'via B', client: botB, parse_mode: 'HTML' });
    assert.equal(viaB.statusCode, 200);
    assert.equal(emu.lastCall('sendMessage')!.botId, botB);
    assert.equal(emu.lastCall('sendMessage')!.params.parse_mode, 'HTML');

    const keyA = await createKey(t, { scope: 'bot', bot_id: botA });
    const before = emu.callsTo('sendMessage').length;
    const denied = await call('POST', '/api/send', { chat_id: GROUP, message: 'sneaky', bot_id: botB }, keyA);
    assert.equal(denied.statusCode, 403);
    assert.equal(emu.callsTo('sendMessage').length, before);
    const own = await call('POST', '/api/send', { chat_id: GROUP, message: 'mine' }, keyA);
    assert.equal(own.statusCode, 200);
    assert.equal(emu.lastCall('sendMessage')!.botId, botA);
    const reader = await createKey(t, { scope: 'bot', bot_id: botA, access: 'read' });
    assert.equal((await call('POST', '/api/send', { chat_id: GROUP, message: 'x' }, reader)).statusCode, 403);
  });

  it("should let a group key send only to its own groups, through the group's bot", async () => {
    await call('POST', '/api/v2/groups', { group_id: GROUP, name: 'Ops room', bot_id: botB });
    const groupKey = await createKey(t, { scope: 'groups', group_ids: [GROUP] });
    const ok = await call('POST', '/api/send', { chat_id: GROUP, message: 'group key' }, groupKey);
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(emu.lastCall('sendMessage')!.botId, botB);
    assert.equal((await call('POST', '/api/send', { chat_id: OTHER_GROUP, message: 'elsewhere' }, groupKey)).statusCode, 404);
    await call('POST', '/api/v2/groups', { group_id: OTHER_GROUP, name: 'Other', bot_id: botB });
    assert.equal((await call('POST', '/api/send', { chat_id: OTHER_GROUP, message: 'elsewhere' }, groupKey)).statusCode, 403);
  });

  it("should refuse when the api_send plugin is off for the bot", async () => {
    await call('POST', '/api/plugins/api_send/toggle', { bot_id: botA, enabled: false });
    const res = await call('POST', '/api/send', { chat_id: GROUP, message: 'x', bot_id: botA });
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().code, 'MODULE_DISABLED');
    await call('POST', '/api/plugins/api_send/toggle', { bot_id: botA, enabled: true });
  });

  it("should map Telegram's refusal to 422 with its description, and validate the body", async () => {
    emu.blockUser(555);
    const blocked = await call('POST', '/api/send', { chat_id: 555, message: 'hi', bot_id: botA });
    assert.equal(blocked.statusCode, 422);
    assert.equal(blocked.json().code, 'TELEGRAM_REFUSED');
    assert.match(blocked.json().error, /blocked/);
    assert.equal((await call('POST', '/api/send', { chat_id: GROUP, message: '', bot_id: botA })).statusCode, 400);
    assert.equal((await call('POST', '/api/send', { chat_id: GROUP, message: 'x'.repeat(4097), bot_id: botA })).statusCode, 400);
    assert.equal((await call('POST', '/api/send', { chat_id: GROUP, message: 'x', bot_id: 999 })).statusCode, 404);
  });

  it('should return chat information through the bot', async () => {
    const res = await call('GET', `/api/chat/${GROUP}?bot_id=${botA}`);
    assert.equal(res.statusCode, 200, res.body);
    const chat = res.json().data;
    assert.equal(chat.id, GROUP);
    assert.equal(chat.type, 'supergroup');
    assert.equal(chat.title, 'Ops room');
    assert.equal(chat.username, 'opsroom');
    assert.equal(chat.description, 'Where deploys are announced');
    assert.equal(chat.member_count, 42);
    assert.equal(emu.lastCall('getChat')!.botId, botA);
    const byName = await call('GET', `/api/chat/@opsroom?client=${botA}`);
    assert.equal(byName.statusCode, 200, byName.body);
    assert.equal(byName.json().data.id, GROUP);
  });
});
