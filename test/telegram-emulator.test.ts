import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Api, Bot, GrammyError, InputFile } from 'grammy';
import { startTelegramEmulator, type TelegramEmulator, type TgUpdate } from './telegram-emulator.ts';

const TOKEN = '123456:TEST-token_abc';
const GROUP = -1001234567890; // supergroup id
const BASIC_GROUP = -4242;
const ALICE = { id: 1001, is_bot: false, first_name: 'Alice', username: 'alice' };
const OWNER = { id: 1, is_bot: false, first_name: 'Owner' };

async function rejectsWith(p: Promise<unknown>, code: number, description: string | RegExp): Promise<GrammyError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof GrammyError, `expected GrammyError, got ${String(err)}`);
    assert.equal(err.error_code, code);
    if (typeof description === 'string') assert.equal(err.description, description);
    else assert.match(err.description, description);
    return err;
  }
  assert.fail('expected the call to fail');
}

describe('telegram emulator', () => {
  let emu: TelegramEmulator;
  let api: Api;

  before(async () => {
    emu = await startTelegramEmulator();
  });

  after(async () => {
    await emu.close();
  });

  beforeEach(() => {
    emu.reset();
    api = new Api(TOKEN, { apiRoot: emu.apiRoot });
    emu.addChat({
      id: GROUP,
      type: 'supergroup',
      title: 'Test Group',
      members: [{ user: OWNER, status: 'creator' }, { user: ALICE }],
    });
  });

  it('should answer getMe with the bot identity derived from the token', async () => {
    const me = await api.getMe();
    assert.deepEqual(me, {
      id: 123456,
      is_bot: true,
      first_name: 'Test Bot',
      username: 'test_123456_bot',
      can_join_groups: true,
      can_read_all_group_messages: false,
      supports_inline_queries: false,
    });
    const call = emu.lastCall('getMe');
    assert.ok(call);
    assert.equal(call.token, TOKEN);
    assert.equal(call.botId, 123456);
  });

  it('should send messages with incrementing ids and record the calls', async () => {
    const markup = { inline_keyboard: [[{ text: 'OK', callback_data: 'ok' }]] };
    const m1 = await api.sendMessage(ALICE.id, 'hello', { reply_markup: markup });
    const m2 = await api.sendMessage(ALICE.id, 'again');
    assert.equal(m1.text, 'hello');
    assert.equal(m1.chat.id, ALICE.id);
    assert.equal(m1.chat.type, 'private');
    assert.equal(m1.from?.id, 123456);
    assert.deepEqual(m1.reply_markup, markup);
    assert.equal(m2.message_id, m1.message_id + 1);
    assert.ok(Math.abs(m1.date - Date.now() / 1000) < 5);
    assert.deepEqual(
      emu.callsTo('sendMessage').map((c) => c.params.text),
      ['hello', 'again'],
    );
    await rejectsWith(api.sendMessage(ALICE.id, ''), 400, 'Bad Request: message text is empty');
  });

  it('should restrict a supergroup member and report restricted with until_date', async () => {
    const until = Math.floor(Date.now() / 1000) + 3600;
    const ok = await api.restrictChatMember(GROUP, ALICE.id, { can_send_messages: false }, { until_date: until });
    assert.equal(ok, true);
    const member = await api.getChatMember(GROUP, ALICE.id);
    assert.equal(member.status, 'restricted');
    assert.ok(member.status === 'restricted');
    assert.equal(member.until_date, until);
    assert.equal(member.can_send_messages, false);
    assert.equal(member.is_member, true);

    // All permissions true lifts the restriction.
    const all = Object.fromEntries(
      [
        'can_send_messages', 'can_send_audios', 'can_send_documents', 'can_send_photos', 'can_send_videos',
        'can_send_video_notes', 'can_send_voice_notes', 'can_send_polls', 'can_send_other_messages',
        'can_add_web_page_previews', 'can_react_to_messages', 'can_change_info', 'can_invite_users',
        'can_pin_messages', 'can_manage_topics',
      ].map((k) => [k, true]),
    );
    await api.restrictChatMember(GROUP, ALICE.id, all);
    assert.equal((await api.getChatMember(GROUP, ALICE.id)).status, 'member');

    // A timed restriction expires with the emulator clock.
    await api.restrictChatMember(GROUP, ALICE.id, { can_send_messages: false }, { until_date: until });
    emu.advanceClock(3601);
    assert.equal((await api.getChatMember(GROUP, ALICE.id)).status, 'member');
  });

  it('should refuse to restrict administrators and basic groups like Telegram', async () => {
    await rejectsWith(
      api.restrictChatMember(GROUP, OWNER.id, { can_send_messages: false }),
      400,
      'Bad Request: user is an administrator of the chat',
    );
    await rejectsWith(api.banChatMember(GROUP, OWNER.id), 400, 'Bad Request: user is an administrator of the chat');
    emu.addChat({ id: BASIC_GROUP, type: 'group', title: 'Basic' });
    await rejectsWith(
      api.restrictChatMember(BASIC_GROUP, ALICE.id, { can_send_messages: false }),
      400,
      'Bad Request: method is available only for supergroups',
    );
    await rejectsWith(api.raw.getChatMember({ chat_id: GROUP } as never), 400, 'Bad Request: user_id is empty');
    await rejectsWith(api.raw.sendMessage({ text: 'x' } as never), 400, 'Bad Request: chat_id is empty');
  });

  it('should ban and unban members honoring only_if_banned', async () => {
    await api.banChatMember(GROUP, ALICE.id);
    const banned = await api.getChatMember(GROUP, ALICE.id);
    assert.equal(banned.status, 'kicked');
    assert.ok(banned.status === 'kicked' && banned.until_date === 0);
    await api.unbanChatMember(GROUP, ALICE.id, { only_if_banned: true });
    assert.equal((await api.getChatMember(GROUP, ALICE.id)).status, 'left');

    emu.setMember(GROUP, { user: ALICE, status: 'member' });
    await api.unbanChatMember(GROUP, ALICE.id, { only_if_banned: true });
    assert.equal((await api.getChatMember(GROUP, ALICE.id)).status, 'member');
    await api.unbanChatMember(GROUP, ALICE.id);
    assert.equal((await api.getChatMember(GROUP, ALICE.id)).status, 'left');

    const admins = await api.getChatAdministrators(GROUP);
    assert.deepEqual(
      admins.map((a) => [a.user.id, a.status]),
      [
        [OWNER.id, 'creator'],
        [123456, 'administrator'],
      ],
    );
    await api.setChatPermissions(GROUP, { can_send_messages: false });
    const chat = await api.getChat(GROUP);
    assert.equal(chat.permissions?.can_send_messages, false);
    assert.equal(chat.permissions?.can_send_photos, false);
  });

  it('should fail with a 429 fault and then succeed', async () => {
    emu.failNext('sendMessage', { error_code: 429, retry_after: 3 });
    const err = await rejectsWith(api.sendMessage(ALICE.id, 'hi'), 429, 'Too Many Requests: retry after 3');
    assert.equal(err.parameters.retry_after, 3);
    const msg = await api.sendMessage(ALICE.id, 'hi');
    assert.equal(msg.text, 'hi');
    assert.equal(emu.callsTo('sendMessage').length, 2);
  });

  it('should answer 403 for a user who blocked the bot and 404 for unknown methods', async () => {
    emu.blockUser(ALICE.id);
    await rejectsWith(api.sendMessage(ALICE.id, 'hi'), 403, 'Forbidden: bot was blocked by the user');
    emu.unblockUser(ALICE.id);
    await api.sendMessage(ALICE.id, 'hi');

    const res = await fetch(`${emu.apiRoot}/bot${TOKEN}/noSuchMethod`, { method: 'POST' });
    assert.equal(res.status, 404);
    assert.deepEqual(await res.json(), { ok: false, error_code: 404, description: 'Not Found: method not found' });
  });

  it('should parse urlencoded and multipart requests', async () => {
    const res = await fetch(`${emu.apiRoot}/bot${TOKEN}/sendMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ chat_id: String(ALICE.id), text: 'form text' }),
    });
    const body = (await res.json()) as { ok: boolean; result: { text: string } };
    assert.equal(body.ok, true);
    assert.equal(body.result.text, 'form text');

    const photo = await api.sendPhoto(ALICE.id, new InputFile(Buffer.from('not really a jpeg'), 'cat.jpg'), {
      caption: 'a cat',
    });
    assert.equal(photo.caption, 'a cat');
    assert.ok(photo.photo && photo.photo.length > 0);
    const call = emu.lastCall('sendPhoto');
    assert.ok(call);
    assert.match(call.contentType, /^multipart\/form-data; boundary=/);
    assert.equal(call.params.caption, 'a cat');
    assert.equal(Object.values(call.files ?? {})[0]?.filename, 'cat.jpg');
    const file = await api.getFile(photo.photo[0].file_id);
    const download = await fetch(`${emu.apiRoot}/file/bot${TOKEN}/${file.file_path}`);
    assert.equal(await download.text(), 'not really a jpeg');
  });

  it('should long-poll getUpdates and receive a pushed message', async () => {
    const started = Date.now();
    const pending = api.getUpdates({ timeout: 10 });
    setTimeout(() => emu.message(TOKEN, { chat: GROUP, from: ALICE, text: '/help@test_123456_bot now' }), 50);
    const updates = await pending;
    assert.ok(Date.now() - started < 5000);
    assert.equal(updates.length, 1);
    const msg = updates[0].message;
    assert.ok(msg);
    assert.equal(msg.text, '/help@test_123456_bot now');
    assert.deepEqual(msg.entities, [{ offset: 0, length: 21, type: 'bot_command' }]);
    assert.equal(msg.chat.id, GROUP);

    // Unconfirmed updates stay; offset confirms them.
    assert.equal((await api.getUpdates()).length, 1);
    assert.equal((await api.getUpdates({ offset: updates[0].update_id + 1 })).length, 0);

    // An empty long poll ends with the timeout.
    const t0 = Date.now();
    assert.deepEqual(await api.getUpdates({ timeout: 1 }), []);
    assert.ok(Date.now() - t0 >= 900);
  });

  it('should run a grammY Bot with bot.start() that replies to a pushed /start', async () => {
    const bot = new Bot(TOKEN, { client: { apiRoot: emu.apiRoot } });
    bot.command('start', (ctx) => ctx.reply(`Welcome, ${ctx.from?.first_name}!`));
    bot.callbackQuery('ok', (ctx) => ctx.answerCallbackQuery({ text: 'done' }));
    const n = emu.calls.length;
    let onStarted!: () => void;
    const startedPromise = new Promise<void>((r) => (onStarted = r));
    // drop_pending_updates drops what is queued before deleteWebhook runs, so push after onStart.
    const running = bot.start({ drop_pending_updates: true, onStart: () => onStarted() });
    try {
      await startedPromise;
      emu.message(TOKEN, { from: ALICE, text: '/start' });
      const reply = await emu.waitForCall('sendMessage', (c) => c.params.chat_id === ALICE.id, { since: n });
      assert.equal(reply.params.text, 'Welcome, Alice!');

      const sent = await api.sendMessage(ALICE.id, 'pick', {
        reply_markup: { inline_keyboard: [[{ text: 'OK', callback_data: 'ok' }]] },
      });
      const m = emu.calls.length;
      const update: TgUpdate = emu.callbackQuery(TOKEN, { from: ALICE, message: sent as never, data: 'ok' });
      const answer = await emu.waitForCall('answerCallbackQuery', undefined, { since: m });
      assert.equal(answer.params.callback_query_id, update.callback_query?.id);
      assert.equal(answer.params.text, 'done');
    } finally {
      await bot.stop();
      await running;
    }
    assert.equal(bot.isRunning(), false);
  });

  it('should POST pushed updates to a webhook with the secret token header', async () => {
    const received: Array<{ secret: string | undefined; update: TgUpdate }> = [];
    const hook = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({
          secret: req.headers['x-telegram-bot-api-secret-token'] as string | undefined,
          update: JSON.parse(body) as TgUpdate,
        });
        res.end('ok');
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
      await api.setWebhook(url, { secret_token: 's3cr3t' });
      assert.equal((await api.getWebhookInfo()).url, url);
      await rejectsWith(api.getUpdates(), 409, /webhook is active/);
      const pushed = emu.message(TOKEN, { from: ALICE, text: 'hi' });
      await emu.flushWebhooks();
      assert.equal(received.length, 1);
      assert.equal(received[0].secret, 's3cr3t');
      assert.equal(received[0].update.update_id, pushed.update_id);
      assert.equal(received[0].update.message?.text, 'hi');
      await api.deleteWebhook();
    } finally {
      hook.closeAllConnections();
      await new Promise((r) => hook.close(r));
    }
  });
});
