import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eq } from 'drizzle-orm';
import { BOT_ID, BOT_TOKEN, startTestBot, type TestBot } from '../../test/bot.ts';
import type { Call } from '../../test/telegram-emulator.ts';
import { userActions } from '../modules/enforcement/enforcement.tables.ts';

const GROUP = -1001234567890;
const OWNER = { id: 1, is_bot: false, first_name: 'Owner', username: 'owner', language_code: 'en' };
const ALICE = { id: 1001, is_bot: false, first_name: 'Alice', username: 'alice' };
const BOB = { id: 1002, is_bot: false, first_name: 'Bob', username: 'bob' };
const CAROL = { id: 1003, is_bot: false, first_name: 'Carol' };
const DAVE = { id: 1004, is_bot: false, first_name: 'Dave' };
const EVE = { id: 1005, is_bot: false, first_name: 'Eve' };
const FRANK = { id: 1006, is_bot: false, first_name: 'Frank', username: 'frank' };

const textOf = (c: Call) => String(c.params.text ?? '');
const buttons = (c: Call) => ((c.params.reply_markup as { inline_keyboard: { text: string; callback_data: string }[][] }).inline_keyboard ?? []).flat();

describe('moderation bot through the Bot API', () => {
  let b: TestBot;
  const api = (method: string, url: string, payload?: unknown) =>
    b.t.app.inject({ method: method as 'GET', url, headers: b.t.auth, payload: payload as object });
  const status = async (userId: number) => (await api('GET', `/api/v2/groups/${GROUP}/users/${userId}/status`)).json().data;
  const say = (from: object & { id: number }, text: string, extra: Record<string, unknown> = {}) => {
    const since = b.emu.calls.length;
    const update = b.emu.message(BOT_TOKEN, { from, chat: GROUP, text, ...extra });
    return { since, message: update.message! };
  };

  before(async () => {
    b = await startTestBot({ TELEGRAM_MAX_RETRY_AFTER: '5', BOT_WELCOME_TTL_SECONDS: '1' });
    b.emu.addChat({
      id: GROUP,
      type: 'supergroup',
      title: 'Test Group',
      members: [{ user: OWNER, status: 'creator' }, { user: ALICE }, { user: BOB }, { user: FRANK }],
    });
  });
  after(async () => b.close());

  it('should register the group on first sight and refuse /ban from a member without rights', async () => {
    const { since } = say(ALICE, 'hello everyone');
    await b.waitFor('getChatAdministrators', undefined, { since });
    const group = await api('GET', `/api/v2/groups/${GROUP}`);
    assert.equal(group.statusCode, 200);
    assert.equal(group.json().data.bot_id, BOT_ID);
    assert.equal(group.json().data.name, 'Test Group');

    const attempt = say(BOB, '/ban @alice spam');
    const reply = await b.waitFor('sendMessage', (c) => c.params.chat_id === GROUP, { since: attempt.since });
    assert.match(textOf(reply), /not allowed/);
    assert.equal(b.emu.callsTo('banChatMember').length, 0);
    assert.equal((await status(ALICE.id)).is_banned, false);
  });
});
