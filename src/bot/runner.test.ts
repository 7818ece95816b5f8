import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BOT_ID, BOT_TOKEN, startTestBot, type TestBot } from '../../test/bot.ts';
import type { Call } from '../../test/telegram-emulator.ts';

const SECOND_TOKEN = '7000002:TEST-second-token_abcdefghij';
const SECOND_ID = 7000002;
const GROUP_A = -1007000000001;
const GROUP_B = -1007000000002;
const OWNER = { id: 5, is_bot: false, first_name: 'Owner', username: 'owner5' };

const textOf = (c: Call) => String(c.params.text ?? '');

describe('several bots in one process', () => {
  let b: TestBot;

  before(async () => {
    b = await startTestBot();
    b.emu.addChat({ id: GROUP_A, type: 'supergroup', title: 'Group A', members: [{ user: OWNER, status: 'creator' }] });
    b.emu.addChat({ id: GROUP_B, type: 'supergroup', title: 'Group B', members: [{ user: OWNER, status: 'creator' }] });
  });
  after(async () => b.close());

  it('should start a bot registered later, each bot owning the groups it saw first', async () => {
    await b.t.deps.services.bots.register({ token: SECOND_TOKEN, title: 'Second' });
    await b.runner.refresh();
    const since = b.emu.calls.length;
    b.emu.message(BOT_TOKEN, { from: OWNER, chat: GROUP_A, text: '/rules' });
    b.emu.message(SECOND_TOKEN, { from: OWNER, chat: GROUP_B, text: '/rules' });
    const replies = await Promise.all([
      b.emu.waitForCall('sendMessage', (c) => c.botId === BOT_ID && c.params.chat_id === GROUP_A, { since, timeoutMs: 5000 }),
      b.emu.waitForCall('sendMessage', (c) => c.botId === SECOND_ID && c.params.chat_id === GROUP_B, { since, timeoutMs: 5000 }),
    ]);
    assert.ok(replies.every((r) => /No rules/.test(textOf(r))));
    assert.equal((await b.t.call('GET', `/api/v2/groups/${GROUP_A}`)).json().data.bot_id, BOT_ID);
    assert.equal((await b.t.call('GET', `/api/v2/groups/${GROUP_B}`)).json().data.bot_id, SECOND_ID);

    // The second bot added to the first bot's group does not act there: another tenant's group.
    const foreign = b.emu.calls.length;
    b.emu.message(SECOND_TOKEN, { from: OWNER, chat: GROUP_A, text: '/mute 123 10m' });
    b.emu.message(BOT_TOKEN, { from: OWNER, chat: GROUP_A, text: '/rules' });
    await b.emu.waitForCall('sendMessage', (c) => c.botId === BOT_ID && c.params.chat_id === GROUP_A, { since: foreign, timeoutMs: 5000 });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(b.emu.calls.filter((c) => c.index >= foreign && c.botId === SECOND_ID && c.method !== 'getUpdates').length, 0);
    assert.equal((await b.t.call('GET', `/api/v2/groups/${GROUP_A}/users/123/status`)).json().data.is_muted, false);
  });

  it('should stop a bot that was disabled', async () => {
    await b.t.deps.services.bots.update(SECOND_ID, { status: 'disabled' });
    await b.runner.refresh();
    const since = b.emu.calls.length;
    b.emu.message(SECOND_TOKEN, { from: OWNER, chat: GROUP_B, text: '/rules' });
    b.emu.message(BOT_TOKEN, { from: OWNER, chat: GROUP_A, text: '/rules' });
    await b.emu.waitForCall('sendMessage', (c) => c.botId === BOT_ID, { since, timeoutMs: 5000 });
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(b.emu.calls.filter((c) => c.index >= since && c.botId === SECOND_ID).length, 0);
  });
});
