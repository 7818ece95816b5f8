import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BOT_TOKEN, startTestBot, type TestBot } from '../../../test/bot.ts';
import type { Call } from '../../../test/telegram-emulator.ts';

const GROUP = -1005550000001;
const OTHER_GROUP = -1005550000002;
const GROUP_CHAT = { id: GROUP, type: 'supergroup' as const, title: 'Channel Group' };
const OWNER = { id: 11, is_bot: false, first_name: 'Owner', username: 'owner11' };
const ALICE = { id: 12, is_bot: false, first_name: 'Alice', username: 'alice12' };
/** Telegram's sender of messages posted on behalf of a channel, and of anonymous admins. */
const CHANNEL_BOT = { id: 136817688, is_bot: true, first_name: 'Channel', username: 'Channel_Bot' };
const ANONYMOUS_ADMIN = { id: 1087968824, is_bot: true, first_name: 'Group', username: 'GroupAnonymousBot' };
const SPAM_CHANNEL = { id: -1005559990001, type: 'channel', title: 'Spam Channel', username: 'spamchan' };
const OTHER_CHANNEL = { id: -1005559990002, type: 'channel', title: 'Other Channel' };

const textOf = (c: Call) => String(c.params.text ?? '');

describe('channel and anonymous senders', () => {
  let b: TestBot;
  const api = (method: string, url: string, payload?: unknown, headers: Record<string, string> = b.t.auth) => b.t.call(method, url, payload, headers);
  const say = (from: object & { id: number }, text: string, extra: Record<string, unknown> = {}) => {
    const since = b.emu.calls.length;
    const update = b.emu.message(BOT_TOKEN, { from, chat: GROUP, text, ...extra });
    return { since, message: update.message! };
  };
  const replyIn = (since: number) => b.waitFor('sendMessage', (c) => c.params.chat_id === GROUP, { since });
  const log = async (query: string) => (await api('GET', `/api/v2/groups/${GROUP}/actions?${query}`)).json().data;

  before(async () => {
    b = await startTestBot();
    b.emu.addChat({ ...GROUP_CHAT, members: [{ user: OWNER, status: 'creator' }, { user: ALICE }] });
    const first = say(ALICE, 'hello');
    await b.waitFor('getChatAdministrators', undefined, { since: first.since });
    await api('POST', '/api/v2/groups', { group_id: OTHER_GROUP, name: 'Elsewhere' });
  });
  after(async () => b.close());

  it('should ban a channel by /ban in reply to its post through banChatSenderChat, log it, and unban it', async () => {
    const post = say(CHANNEL_BOT, 'cheap followers here', { sender_chat: SPAM_CHANNEL });
    const ban = say(OWNER, '/ban advertising', { reply_to_message: post.message.message_id });
    const call = await b.waitFor('banChatSenderChat', undefined, { since: ban.since });
    assert.equal(Number(call.params.chat_id), GROUP);
    assert.equal(Number(call.params.sender_chat_id), SPAM_CHANNEL.id);
    assert.match(textOf(await replyIn(ban.since)), /@spamchan banned\. Reason: advertising/);
    assert.deepEqual(b.emu.bannedSenderChats(GROUP), [SPAM_CHANNEL.id]);
    assert.equal(b.emu.callsTo('banChatMember').length, 0);
    const entries = await log(`action=ban_sender_chat`);
    assert.equal(entries.total, 1);
    assert.equal(entries.items[0].user_id, SPAM_CHANNEL.id);
    assert.equal(entries.items[0].admin_id, OWNER.id);
    assert.equal(entries.items[0].source, 'bot');
    assert.equal((await api('GET', `/api/v2/groups/${GROUP}/users/${SPAM_CHANNEL.id}/status`)).json().data.is_banned, true);

    const unban = say(OWNER, '/unban', { reply_to_message: post.message.message_id });
    await b.waitFor('unbanChatSenderChat', (c) => Number(c.params.sender_chat_id) === SPAM_CHANNEL.id, { since: unban.since });
    assert.match(textOf(await replyIn(unban.since)), /@spamchan unbanned/);
    assert.deepEqual(b.emu.bannedSenderChats(GROUP), []);
    assert.equal((await api('GET', `/api/v2/groups/${GROUP}/users/${SPAM_CHANNEL.id}/status`)).json().data.is_banned, false);
  });

  it('should ban a channel named by its id, and tell that only /ban and /unban apply to a channel', async () => {
    const byId = say(OWNER, `/ban ${OTHER_CHANNEL.id}`);
    await b.waitFor('banChatSenderChat', (c) => Number(c.params.sender_chat_id) === OTHER_CHANNEL.id, { since: byId.since });
    await replyIn(byId.since);

    const post = say(CHANNEL_BOT, 'again', { sender_chat: SPAM_CHANNEL });
    const mute = say(OWNER, '/mute 10m', { reply_to_message: post.message.message_id });
    assert.match(textOf(await replyIn(mute.since)), /writes as a chat: only \/ban and \/unban/);
    assert.equal(b.emu.callsTo('restrictChatMember').filter((c) => c.index >= mute.since).length, 0);
  });

  it('should not let a member without rights ban a channel', async () => {
    const post = say(CHANNEL_BOT, 'spam', { sender_chat: SPAM_CHANNEL });
    const attempt = say(ALICE, '/ban', { reply_to_message: post.message.message_id });
    assert.match(textOf(await replyIn(attempt.since)), /not allowed/);
    assert.equal(b.emu.callsTo('banChatSenderChat').filter((c) => c.index >= attempt.since).length, 0);
  });

  it('should recognise an anonymous admin (GroupAnonymousBot writing as the group) as an admin who may /mute', async () => {
    const target = say(ALICE, 'rude words');
    const mute = say(ANONYMOUS_ADMIN, '/mute 10m calm down', { sender_chat: GROUP_CHAT, reply_to_message: target.message.message_id });
    const restrict = await b.waitFor('restrictChatMember', (c) => Number(c.params.user_id) === ALICE.id, { since: mute.since });
    assert.equal((restrict.params.permissions as { can_send_messages: boolean }).can_send_messages, false);
    assert.match(textOf(await replyIn(mute.since)), /@alice12 muted for 10 min/);
    assert.equal((await api('GET', `/api/v2/groups/${GROUP}/users/${ALICE.id}/status`)).json().data.is_muted, true);
    const entry = (await log(`user_id=${ALICE.id}&action=mute`)).items[0];
    assert.equal(entry.admin_id, null);
    assert.equal(entry.source, 'bot');

    // Replying to the anonymous admin's own message names nobody: the group itself is not banned.
    const ban = say(OWNER, '/ban', { reply_to_message: mute.message.message_id });
    assert.match(textOf(await replyIn(ban.since)), /anonymous administrator/);
    assert.equal(b.emu.callsTo('banChatSenderChat').filter((c) => c.index >= ban.since).length, 0);
  });

  it('should not take a channel posting in the group for an admin', async () => {
    const attempt = say(CHANNEL_BOT, '/mute @alice12 10m', { sender_chat: OTHER_CHANNEL });
    assert.match(textOf(await replyIn(attempt.since)), /not allowed/);
    assert.equal(b.emu.callsTo('restrictChatMember').filter((c) => c.index >= attempt.since).length, 0);
  });

  it('should ban and unban a sender chat through the API, logged with source api', async () => {
    const since = b.emu.calls.length;
    const res = await api('POST', `/api/v2/groups/${GROUP}/sender-chats/${OTHER_CHANNEL.id}/unban`, { admin_id: OWNER.id, reason: 'appeal' });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().success, true);
    assert.equal(res.json().data.action_type, 'unban_sender_chat');
    assert.equal(res.json().data.user_id, OTHER_CHANNEL.id);
    assert.equal(res.json().data.applied_to_telegram, true);
    await b.waitFor('unbanChatSenderChat', (c) => Number(c.params.sender_chat_id) === OTHER_CHANNEL.id, { since });
    assert.deepEqual(b.emu.bannedSenderChats(GROUP), []);

    const banned = await api('POST', `/api/v2/groups/${GROUP}/sender-chats/${OTHER_CHANNEL.id}/ban`, { reason: 'spam' });
    assert.equal(banned.statusCode, 200, banned.body);
    assert.deepEqual(b.emu.bannedSenderChats(GROUP), [OTHER_CHANNEL.id]);
    const entries = (await log(`user_id=${OTHER_CHANNEL.id}`)).items.map((e: { action: string; source: string; reason: string | null }) => `${e.action}:${e.source}:${e.reason}`);
    assert.deepEqual(entries.slice(0, 2), ['ban_sender_chat:api:spam', 'unban_sender_chat:api:appeal']);
    const openapi = (await b.t.app.inject({ method: 'GET', url: '/docs/json' })).json();
    assert.ok(openapi.paths['/api/v2/groups/{group_id}/sender-chats/{sender_chat_id}/{action}']?.post, 'route documented');
  });

  it('should refuse bad sender chat requests with 4xx in the error envelope and write nothing', async () => {
    const readKey = (await api('POST', '/api/v2/keys', { name: 'reader', scope: 'global', access: 'read' })).json().data.key;
    const otherKey = (await api('POST', '/api/v2/keys', { name: 'other group', scope: 'groups', group_ids: [OTHER_GROUP], access: 'write' })).json().data.key;
    const before = (await log(`action=ban_sender_chat`)).total;
    const cases: [string, unknown, number, Record<string, string>?][] = [
      [`/api/v2/groups/${GROUP}/sender-chats/${ALICE.id}/ban`, {}, 400],
      [`/api/v2/groups/${GROUP}/sender-chats/${GROUP}/ban`, {}, 400],
      [`/api/v2/groups/${GROUP}/sender-chats/${SPAM_CHANNEL.id}/explode`, {}, 400],
      [`/api/v2/groups/${GROUP}/sender-chats/${SPAM_CHANNEL.id}/ban`, { duration: 60 }, 400],
      [`/api/v2/groups/-1005550000999/sender-chats/${SPAM_CHANNEL.id}/ban`, {}, 404],
      [`/api/v2/groups/${GROUP}/sender-chats/${SPAM_CHANNEL.id}/ban`, {}, 403, { authorization: `Bearer ${readKey}` }],
      [`/api/v2/groups/${GROUP}/sender-chats/${SPAM_CHANNEL.id}/ban`, {}, 403, { authorization: `Bearer ${otherKey}` }],
      [`/api/v2/groups/${GROUP}/sender-chats/${SPAM_CHANNEL.id}/ban`, {}, 401, { authorization: 'Bearer nope-nope-nope-nope' }],
    ];
    for (const [url, payload, code, headers] of cases) {
      const res = await api('POST', url, payload, headers);
      assert.equal(res.statusCode, code, `${url} ${JSON.stringify(payload)}: ${res.body}`);
      assert.equal(res.json().success, false);
      assert.equal(typeof res.json().error, 'string');
    }
    assert.equal((await log(`action=ban_sender_chat`)).total, before);
    assert.ok(!b.emu.bannedSenderChats(GROUP).includes(SPAM_CHANNEL.id));
  });
});
