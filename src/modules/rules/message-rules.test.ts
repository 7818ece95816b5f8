import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BOT_TOKEN, startTestBot, type TestBot } from '../../../test/bot.ts';
import type { Call } from '../../../test/telegram-emulator.ts';

const GROUP = -1007700000001;
const OWNER = { id: 77001, is_bot: false, first_name: 'Owner', username: 'owner77' };
const ADMIN = { id: 77002, is_bot: false, first_name: 'Admin', username: 'admin77' };

const textOf = (c: Call) => String(c.params.text ?? '');
let nextUser = 77100;
/** A fresh member per case: no warnings, mutes or flood counts carried over. */
const member = () => {
  const id = nextUser++;
  return { id, is_bot: false, first_name: `Member${id}`, username: `member${id}` };
};

describe('keyword rules on group messages', () => {
  let b: TestBot;
  const api = (method: string, url: string, payload?: unknown) => b.t.app.inject({ method: method as 'GET', url, headers: b.t.auth, payload: payload as object });
  const status = async (userId: number) => (await api('GET', `/api/v2/groups/${GROUP}/users/${userId}/status`)).json().data;
  const actions = async (userId: number) =>
    (await api('GET', `/api/v2/groups/${GROUP}/actions?user_id=${userId}`)).json().data.items as { action: string; source: string; result: string; meta: Record<string, unknown>; duration: number | null }[];
  const say = (from: { id: number }, text: string | undefined, extra: Record<string, unknown> = {}) => {
    const since = b.emu.calls.length;
    const update = b.emu.message(BOT_TOKEN, { from, chat: GROUP, ...(text !== undefined && { text }), ...extra });
    return { since, message: update.message! };
  };
  /** Waits until the bot has handled everything sent before: updates of one chat run in order. */
  const settled = async (from: { id: number }) => {
    const marker = say(from, '/warns');
    await b.waitFor('sendMessage', (c) => c.params.chat_id === GROUP && /warning/.test(textOf(c)), { since: marker.since });
    return marker.since;
  };
  const withRule = async (rule: Record<string, unknown>, run: (id: number) => Promise<void>) => {
    const created = await api('POST', `/api/v2/groups/${GROUP}/rules`, rule);
    assert.equal(created.statusCode, 201, created.body);
    const id = created.json().data.id as number;
    try {
      await run(id);
    } finally {
      await api('DELETE', `/api/v2/groups/${GROUP}/rules/${id}`);
    }
  };
  const deletedMessage = (id: number, since: number) => b.waitFor('deleteMessage', (c) => Number(c.params.message_id) === id, { since });

  before(async () => {
    b = await startTestBot();
    b.emu.addChat({ id: GROUP, type: 'supergroup', title: 'Rules Group', members: [{ user: OWNER, status: 'creator' }, { user: ADMIN, status: 'administrator' }] });
    const first = say(OWNER, '/rules');
    await b.waitFor('sendMessage', (c) => c.params.chat_id === GROUP, { since: first.since });
  });
  after(async () => b.close());

  it('should mute for the rule duration on a regex match, deleting the message, logging the rule id and recording the firing', async () => {
    await withRule({ name: 'No links', trigger: { type: 'keyword', pattern: 'https?://' }, penalty: { action: 'mute', duration: 600 }, priority: 5 }, async (ruleId) => {
      const spammer = member();
      const { since, message } = say(spammer, 'cheap stuff at https://spam.example');
      await deletedMessage(message.message_id, since);
      const restrict = await b.waitFor('restrictChatMember', (c) => c.params.user_id === spammer.id, { since });
      assert.equal((restrict.params.permissions as { can_send_messages: boolean }).can_send_messages, false);
      const expected = Math.floor(Date.now() / 1000) + 600;
      assert.ok(Math.abs(Number(restrict.params.until_date) - expected) <= 5, `until_date ${restrict.params.until_date} vs ${expected}`);
      const notice = await b.waitFor('sendMessage', (c) => /No links/.test(textOf(c)), { since });
      assert.match(textOf(notice), /No links: mute for 10 min for @member\d+/);
      assert.equal(b.emu.getMessage(GROUP, message.message_id), undefined);
      assert.equal((await status(spammer.id)).is_muted, true);
      const log = await actions(spammer.id);
      const mute = log.find((e) => e.action === 'mute')!;
      assert.equal(mute.source, 'rule');
      assert.equal(mute.meta.rule_id, ruleId);
      assert.equal(mute.duration, 600);
      assert.ok(log.some((e) => e.action === 'delete' && e.result === 'success'));
      const history = (await api('GET', `/api/v2/groups/${GROUP}/rules/${ruleId}/history`)).json().data as { change: string; target_user_id: number }[];
      assert.deepEqual(history.map((h) => h.change), ['created', 'fired']);
      assert.equal(history[1].target_user_id, spammer.id);
    });
  });

  it('should match a literal keyword as text, not as a pattern, and ban', async () => {
    await withRule({ name: 'No pump', trigger: { type: 'keyword', pattern: 'pump.fun', match: 'literal' }, penalty: { action: 'ban' } }, async () => {
      const innocent = member();
      say(innocent, 'my pumpXfun is broken');
      await settled(innocent);
      assert.equal((await status(innocent.id)).is_banned, false);

      const spammer = member();
      const { since, message } = say(spammer, 'APE INTO PUMP.FUN NOW');
      await deletedMessage(message.message_id, since);
      const ban = await b.waitFor('banChatMember', (c) => c.params.user_id === spammer.id, { since });
      assert.equal(ban.params.until_date ?? 0, 0);
      await b.waitFor('sendMessage', (c) => /No pump: ban for/.test(textOf(c)), { since });
      assert.equal((await status(spammer.id)).is_banned, true);
      assert.equal(b.emu.getMember(GROUP, spammer.id).status, 'kicked');
    });
  });

  it('should apply each penalty: delete only, warn, restrict, kick, ban for a duration', async () => {
    await withRule({ name: 'Delete', trigger: { type: 'keyword', pattern: 'delete-me' }, penalty: { action: 'delete' } }, async (ruleId) => {
      const user = member();
      const { since, message } = say(user, 'please delete-me');
      await deletedMessage(message.message_id, since);
      const after = await settled(user);
      assert.equal(b.emu.callsTo('restrictChatMember').filter((c) => c.index >= since && c.index < after).length, 0);
      assert.equal(b.emu.callsTo('banChatMember').filter((c) => c.index >= since).length, 0);
      assert.ok(!b.emu.callsTo('sendMessage').some((c) => c.index >= since && c.index < after), 'a plain delete is silent');
      const entry = (await actions(user.id)).find((e) => e.action === 'delete')!;
      assert.equal(entry.meta.rule_id, ruleId);
      const history = (await api('GET', `/api/v2/groups/${GROUP}/rules/${ruleId}/history`)).json().data as { change: string }[];
      assert.ok(history.some((h) => h.change === 'fired'));
    });
    await withRule({ name: 'Warn', trigger: { type: 'keyword', pattern: 'warn-me' }, penalty: { action: 'warn', delete_message: false } }, async () => {
      const user = member();
      const { since, message } = say(user, 'warn-me please');
      await b.waitFor('sendMessage', (c) => /Warn: warning/.test(textOf(c)), { since });
      assert.equal((await status(user.id)).has_warnings, 1);
      assert.ok(!b.emu.callsTo('deleteMessage').some((c) => c.index >= since && Number(c.params.message_id) === message.message_id), 'delete_message: false keeps the message');
    });
    await withRule({ name: 'Restrict', trigger: { type: 'keyword', pattern: 'restrict-me' }, penalty: { action: 'restrict', duration: 3600 } }, async () => {
      const user = member();
      const { since } = say(user, 'restrict-me');
      const call = await b.waitFor('restrictChatMember', (c) => c.params.user_id === user.id, { since });
      const permissions = call.params.permissions as Record<string, boolean>;
      assert.equal(permissions.can_send_messages, true);
      assert.equal(permissions.can_send_photos, false);
      assert.ok(Math.abs(Number(call.params.until_date) - (Math.floor(Date.now() / 1000) + 3600)) <= 5);
      await b.waitFor('sendMessage', (c) => /Restrict: restriction for 1 h/.test(textOf(c)), { since });
      assert.equal((await status(user.id)).is_restricted, true);
    });
    await withRule({ name: 'Kick', trigger: { type: 'keyword', pattern: 'kick-me' }, penalty: { action: 'kick' } }, async () => {
      const user = member();
      const { since } = say(user, 'kick-me');
      await b.waitFor('banChatMember', (c) => c.params.user_id === user.id, { since });
      await b.waitFor('unbanChatMember', (c) => c.params.user_id === user.id, { since });
      await b.waitFor('sendMessage', (c) => /Kick: kick for/.test(textOf(c)), { since });
      assert.equal((await status(user.id)).is_banned, false);
      assert.ok((await actions(user.id)).some((e) => e.action === 'kick' && e.source === 'rule'));
    });
    await withRule({ name: 'Ban a day', trigger: { type: 'keyword', pattern: 'ban-me' }, penalty: { action: 'ban', duration: 86_400 } }, async () => {
      const user = member();
      const { since } = say(user, 'ban-me');
      const ban = await b.waitFor('banChatMember', (c) => c.params.user_id === user.id, { since });
      assert.ok(Math.abs(Number(ban.params.until_date) - (Math.floor(Date.now() / 1000) + 86_400)) <= 5);
      await b.waitFor('sendMessage', (c) => /Ban a day: ban for 1 d/.test(textOf(c)), { since });
      const state = await status(user.id);
      assert.equal(state.is_banned, true);
    });
  });

  it('should look at captions, hidden links, buttons and forward origins, and at edited messages', async () => {
    await withRule({ name: 'Casino', trigger: { type: 'keyword', pattern: 'casino\\.example' }, penalty: { action: 'delete' } }, async () => {
      const cases: [string, Record<string, unknown>][] = [
        ['caption', { caption: 'win big at casino.example', photo: [{ file_id: 'p', file_unique_id: 'p', width: 1, height: 1 }] }],
        ['text link', { text: 'click here', entities: [{ type: 'text_link', offset: 0, length: 10, url: 'https://casino.example/r' }] }],
        ['button', { text: 'fun', reply_markup: { inline_keyboard: [[{ text: 'Play', url: 'https://casino.example/' }]] } }],
        ['forward', { text: 'hello', forward_origin: { type: 'channel', chat: { id: -100999, type: 'channel', title: 'Casino', username: 'casino.example' }, message_id: 1, date: 1 } }],
      ];
      for (const [label, extra] of cases) {
        const user = member();
        const { since, message } = say(user, undefined, extra);
        await deletedMessage(message.message_id, since).catch(() => assert.fail(`${label} was not checked`));
      }
      const editor = member();
      const { message } = say(editor, 'innocent');
      await settled(editor);
      const since = b.emu.calls.length;
      b.emu.pushUpdate(BOT_TOKEN, { edited_message: { ...message, text: 'now at casino.example', edit_date: message.date + 5 } });
      await deletedMessage(message.message_id, since);
    });
  });

  it('should apply only the highest-priority matching rule', async () => {
    await withRule({ name: 'Low', trigger: { type: 'keyword', pattern: 'spam' }, penalty: { action: 'ban' }, priority: 1 }, async () => {
      await withRule({ name: 'High', trigger: { type: 'keyword', pattern: 'spam' }, penalty: { action: 'warn' }, priority: 9 }, async () => {
        const user = member();
        const { since } = say(user, 'spam spam');
        await b.waitFor('sendMessage', (c) => /High: warning/.test(textOf(c)), { since });
        await settled(user);
        assert.equal((await status(user.id)).has_warnings, 1);
        assert.equal(b.emu.callsTo('banChatMember').filter((c) => c.index >= since && c.params.user_id === user.id).length, 0);
      });
    });
  });

  it('should exempt chat administrators unless the rule says otherwise', async () => {
    await withRule({ name: 'Links', trigger: { type: 'keyword', pattern: 'https?://' }, penalty: { action: 'warn' } }, async (ruleId) => {
      const { since, message } = say(ADMIN, 'docs at https://docs.example');
      const after = await settled(ADMIN);
      assert.equal((await status(ADMIN.id)).has_warnings, 0);
      assert.ok(!b.emu.callsTo('deleteMessage').some((c) => c.index >= since && c.index < after && Number(c.params.message_id) === message.message_id));

      assert.equal((await api('PUT', `/api/v2/groups/${GROUP}/rules/${ruleId}`, { exempt_admins: false })).json().data.exempt_admins, false);
      const again = say(ADMIN, 'docs at https://docs.example');
      await deletedMessage(again.message.message_id, again.since);
      await b.waitFor('sendMessage', (c) => /Links: warning for @admin77/.test(textOf(c)), { since: again.since });
      assert.equal((await status(ADMIN.id)).has_warnings, 1);
    });
  });

  it('should ignore a disabled rule, and /rules should not list it', async () => {
    await withRule({ name: 'Off rule', trigger: { type: 'keyword', pattern: 'forbidden' }, penalty: { action: 'ban' }, enabled: false }, async () => {
      const user = member();
      say(user, 'forbidden words');
      const after = await settled(user);
      assert.equal((await status(user.id)).is_banned, false);
      assert.equal(b.emu.callsTo('banChatMember').filter((c) => c.index >= after - 1 && c.params.user_id === user.id).length, 0);
      const list = say(user, '/rules');
      const text = textOf(await b.waitFor('sendMessage', (c) => c.params.chat_id === GROUP, { since: list.since }));
      assert.doesNotMatch(text, /Off rule/);
    });
  });

  it('should show the same warn limit in /rules, /warns, /warn and the panel', async () => {
    await withRule({ name: 'Links', trigger: { type: 'keyword', pattern: 'https?://' }, penalty: { action: 'mute' } }, async () => {
      const user = member();
      // Only a keyword rule: the warn_limit setting (3 → mute) still applies, and every view says so.
      const rules = say(user, '/rules');
      assert.match(textOf(await b.waitFor('sendMessage', (c) => c.params.chat_id === GROUP, { since: rules.since })), /\n3 warnings earn a mute\.$/);
      await withRule({ name: 'Two strikes', trigger: { type: 'warn_count', threshold: 2 }, penalty: { action: 'kick' } }, async () => {
        const listed = say(user, '/rules');
        const text = textOf(await b.waitFor('sendMessage', (c) => c.params.chat_id === GROUP, { since: listed.since }));
        assert.match(text, /Two strikes: warn_count ≥ 2 → kick/);
        assert.doesNotMatch(text, /3 warnings/);
        const warned = say(OWNER, `/warn ${user.id}`);
        assert.match(textOf(await b.waitFor('sendMessage', (c) => /warned/.test(textOf(c)), { since: warned.since })), /\(1\/2\)/);
        const warns = say(user, '/warns');
        assert.match(textOf(await b.waitFor('sendMessage', (c) => /active warning/.test(textOf(c)), { since: warns.since })), /1 active warning\(s\); 2 earn a kick/);
        const panel = say(OWNER, `/settings ${user.id}`);
        const keyboard = await b.waitFor('sendMessage', (c) => !!c.params.reply_markup, { since: panel.since });
        const buttons = (keyboard.params.reply_markup as { inline_keyboard: { text: string }[][] }).inline_keyboard.flat();
        assert.ok(buttons.some((x) => x.text === '⚠️ Warn (1/2)'), buttons.map((x) => x.text).join(', '));
      });
    });
  });
});
