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

  it('should mute by reply for a duration with the right until_date, and the mute should end', async () => {
    const target = say(ALICE, 'buy cheap pills');
    const command = say(OWNER, '/mute 10m spam', { reply_to_message: target.message.message_id });
    const restrict = await b.waitFor('restrictChatMember', (c) => c.params.user_id === ALICE.id, { since: command.since });
    const expected = Math.floor(Date.now() / 1000) + 600;
    assert.ok(Math.abs(Number(restrict.params.until_date) - expected) <= 3, `until_date ${restrict.params.until_date} vs ${expected}`);
    assert.equal((restrict.params.permissions as { can_send_messages: boolean }).can_send_messages, false);
    const reply = await b.waitFor('sendMessage', (c) => c.params.chat_id === GROUP, { since: command.since });
    assert.match(textOf(reply), /@alice muted for 10 min\. Reason: spam/);
    assert.equal((await status(ALICE.id)).is_muted, true);
    assert.equal(b.emu.getMember(GROUP, ALICE.id).status, 'restricted');

    // Time passes: Telegram lifts the restriction itself; tgbase sees the expiry and logs it.
    b.emu.advanceClock(601);
    assert.equal(b.emu.getMember(GROUP, ALICE.id).status, 'member');
    await b.t.deps.database.db.update(userActions).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(userActions.userId, ALICE.id));
    await b.t.deps.services.enforcement.sweepExpired();
    assert.equal((await status(ALICE.id)).is_muted, false);
    const log = (await api('GET', `/api/v2/groups/${GROUP}/actions?user_id=${ALICE.id}`)).json().data.items.map((e: { action: string }) => e.action);
    assert.ok(log.includes('mute_expired'), log.join(','));
  });

  it('should target by @username and by id, and count warnings', async () => {
    const byName = say(OWNER, '/warn @bob rude');
    const warned = await b.waitFor('sendMessage', (c) => c.params.chat_id === GROUP, { since: byName.since });
    assert.match(textOf(warned), /@bob warned \(1\/3\)\. Reason: rude/);
    const byId = say(OWNER, `/warn ${BOB.id}`);
    await b.waitFor('sendMessage', (c) => /warned \(2\/3\)/.test(textOf(c)), { since: byId.since });
    const count = say(OWNER, '/warns @bob');
    const answer = await b.waitFor('sendMessage', (c) => c.params.chat_id === GROUP, { since: count.since });
    assert.match(textOf(answer), /2 active warning/);
    assert.equal((await status(BOB.id)).has_warnings, 2);
    const unknown = say(OWNER, '/ban @nobody_seen_here');
    assert.match(textOf(await b.waitFor('sendMessage', (c) => c.params.chat_id === GROUP, { since: unknown.since })), /don't know @nobody_seen_here/);
  });

  it('should toggle from the admin panel, editing the keyboard in place, consistent after a double press', async () => {
    const open = say(OWNER, '/settings @bob');
    const panel = await b.waitFor('sendMessage', (c) => c.params.chat_id === GROUP && !!c.params.reply_markup, { since: open.since });
    const muteButton = buttons(panel).find((x) => x.text.includes('Mute'))!;
    assert.equal(muteButton.text, '❌ Mute');
    const panelMessage = { chat_id: GROUP, message_id: (b.emu.messagesIn(GROUP).at(-1)!).message_id };
    const since = b.emu.calls.length;
    b.emu.callbackQuery(BOT_TOKEN, { from: OWNER, message: panelMessage, data: muteButton.callback_data });
    b.emu.callbackQuery(BOT_TOKEN, { from: OWNER, message: panelMessage, data: muteButton.callback_data });
    await b.waitFor('answerCallbackQuery', undefined, { since });
    await b.waitFor('answerCallbackQuery', (c) => c.index > b.emu.callsTo('answerCallbackQuery').filter((a) => a.index >= since)[0].index, { since });
    assert.equal(b.emu.callsTo('restrictChatMember').filter((c) => c.index >= since && c.params.user_id === BOB.id).length, 2);
    assert.equal(b.emu.getMember(GROUP, BOB.id).status, 'restricted');
    assert.equal((await status(BOB.id)).is_muted, true);
    const stored = b.emu.getMessage(GROUP, panelMessage.message_id)!;
    const shown = (stored.reply_markup as { inline_keyboard: { text: string; callback_data: string }[][] }).inline_keyboard.flat();
    assert.equal(shown.find((x) => x.text.includes('Mute'))!.text, '✅ Mute');
    assert.ok(b.emu.callsTo('editMessageReplyMarkup').some((c) => c.index >= since));

    // Pressing the refreshed button switches back.
    const unmute = shown.find((x) => x.text.includes('Mute'))!;
    const again = b.emu.calls.length;
    b.emu.callbackQuery(BOT_TOKEN, { from: OWNER, message: panelMessage, data: unmute.callback_data });
    await b.waitFor('answerCallbackQuery', undefined, { since: again });
    assert.equal((await status(BOB.id)).is_muted, false);
    assert.equal(b.emu.getMember(GROUP, BOB.id).status, 'member');

    // A member without rights pressing the panel is refused with an alert.
    const refused = b.emu.calls.length;
    b.emu.callbackQuery(BOT_TOKEN, { from: FRANK, message: panelMessage, data: muteButton.callback_data });
    const alert = await b.waitFor('answerCallbackQuery', undefined, { since: refused });
    assert.equal(alert.params.show_alert, true);
    assert.equal((await status(BOB.id)).is_muted, false);
  });

  it('should retry a 429 from Telegram after retry_after', async () => {
    b.emu.failNext('sendMessage', { error_code: 429, retry_after: 1 });
    const { since } = say(OWNER, '/help');
    const calls = () => b.emu.callsTo('sendMessage').filter((c) => c.index >= since);
    await b.waitFor('sendMessage', (c) => c.index > (calls()[0]?.index ?? Infinity), { since, timeoutMs: 8000 });
    const [first, second] = calls();
    assert.ok(second.at - first.at >= 950, `retried after ${second.at - first.at} ms`);
    assert.equal(textOf(second), textOf(first));

    b.emu.failNext('restrictChatMember', { error_code: 429, retry_after: 1 });
    const mute = say(OWNER, '/mute @frank');
    await b.waitFor('sendMessage', (c) => /Frank|frank/.test(textOf(c)), { since: mute.since, timeoutMs: 8000 });
    assert.equal(b.emu.callsTo('restrictChatMember').filter((c) => c.index >= mute.since).length, 2);
    assert.equal((await status(FRANK.id)).is_muted, true);
    await b.t.deps.services.enforcement.enforce(GROUP, 'unmute', { user_id: FRANK.id });
  });

  it('should kick a newcomer who does not solve the captcha in time, and let one who does in', async () => {
    await b.t.deps.services.groups.updateSettings(GROUP, { moderation: { captcha_enabled: true, captcha_timeout_seconds: 1 } });
    const since = b.emu.calls.length;
    b.emu.newMembers(BOT_TOKEN, { chat: GROUP, new_chat_members: [CAROL] });
    const restrict = await b.waitFor('restrictChatMember', (c) => c.params.user_id === CAROL.id, { since });
    assert.equal((restrict.params.permissions as { can_send_messages: boolean }).can_send_messages, false);
    const prompt = await b.waitFor('sendMessage', (c) => /Carol, press the button/.test(textOf(c)), { since });
    const ban = await b.waitFor('banChatMember', (c) => c.params.user_id === CAROL.id, { since, timeoutMs: 15_000 });
    await b.waitFor('unbanChatMember', (c) => c.params.user_id === CAROL.id, { since: ban.index });
    await b.waitFor('deleteMessage', (c) => c.params.chat_id === GROUP, { since: ban.index });
    assert.equal((await b.t.deps.services.captcha.get(GROUP, CAROL.id))!.status, 'expired');
    assert.equal((await status(CAROL.id)).is_muted, false);
    assert.ok(prompt);

    await b.t.deps.services.groups.updateSettings(GROUP, { moderation: { captcha_timeout_seconds: 60 } });
    const next = b.emu.calls.length;
    b.emu.newMembers(BOT_TOKEN, { chat: GROUP, new_chat_members: [DAVE] });
    const davePrompt = await b.waitFor('sendMessage', (c) => /Dave, press the button/.test(textOf(c)), { since: next });
    const promptMessage = { chat_id: GROUP, message_id: b.emu.messagesIn(GROUP).find((m) => /Dave, press/.test(String(m.text)))!.message_id };
    b.emu.callbackQuery(BOT_TOKEN, { from: OWNER, message: promptMessage, data: buttons(davePrompt)[0].callback_data });
    const notYours = await b.waitFor('answerCallbackQuery', undefined, { since: next });
    assert.match(String(notYours.params.text), /for the newcomer/);
    b.emu.callbackQuery(BOT_TOKEN, { from: DAVE, message: promptMessage, data: buttons(davePrompt)[0].callback_data });
    await b.waitFor('answerCallbackQuery', (c) => c.params.text === 'Welcome!', { since: next });
    assert.ok(b.emu.callsTo('restrictChatMember').some((c) => c.index >= next && c.params.user_id === DAVE.id && (c.params.permissions as { can_send_messages: boolean }).can_send_messages));
    assert.equal((await b.t.deps.services.captcha.get(GROUP, DAVE.id))!.status, 'solved');
    assert.equal((await status(DAVE.id)).is_muted, false);
    await b.t.deps.services.groups.updateSettings(GROUP, { moderation: { captcha_enabled: false } });
  });

  it('should welcome a newcomer with placeholders filled and delete the welcome later', async () => {
    await api('PUT', `/api/v2/groups/${GROUP}/settings`, { welcome_message: 'Hi {first_name}, welcome to {group}!', features_enabled: { auto_delete_welcome: true } });
    const since = b.emu.calls.length;
    b.emu.newMembers(BOT_TOKEN, { chat: GROUP, new_chat_members: [EVE] });
    const welcome = await b.waitFor('sendMessage', (c) => c.params.chat_id === GROUP, { since });
    assert.equal(textOf(welcome), 'Hi Eve, welcome to Test Group!');
    const sent = b.emu.messagesIn(GROUP).find((m) => m.text === 'Hi Eve, welcome to Test Group!')!;
    await b.waitFor('deleteMessage', (c) => Number(c.params.message_id) === sent.message_id, { since, timeoutMs: 15_000 });
    await api('PUT', `/api/v2/groups/${GROUP}/settings`, { welcome_message: null });
  });

  it('should mute a member who floods the group', async () => {
    await api('PUT', `/api/v2/groups/${GROUP}/settings`, { moderation: { flood_messages: 3, flood_window_seconds: 10, flood_action: 'mute' } });
    const since = b.emu.calls.length;
    for (let i = 0; i < 3; i++) say(FRANK, `spam ${i}`);
    const restrict = await b.waitFor('restrictChatMember', (c) => c.params.user_id === FRANK.id, { since });
    assert.ok(Number(restrict.params.until_date) > Math.floor(Date.now() / 1000));
    const notice = await b.waitFor('sendMessage', (c) => /too many/.test(textOf(c)), { since });
    assert.match(textOf(notice), /too many messages: mute/);
    assert.equal((await status(FRANK.id)).is_muted, true);
    const log = (await api('GET', `/api/v2/groups/${GROUP}/actions?user_id=${FRANK.id}`)).json().data.items;
    assert.ok(log.some((e: { action: string; source: string; reason: string }) => e.action === 'mute' && e.source === 'rule' && /Flood/.test(e.reason)));
  });

  it('should switch group features from the settings panel', async () => {
    const open = say(OWNER, '/settings');
    const panel = await b.waitFor('sendMessage', (c) => c.params.chat_id === GROUP && !!c.params.reply_markup, { since: open.since });
    const lockdown = buttons(panel).find((x) => x.text.includes('Lockdown'))!;
    assert.equal(lockdown.text, '❌ Lockdown');
    const message = { chat_id: GROUP, message_id: b.emu.messagesIn(GROUP).at(-1)!.message_id };
    const since = b.emu.calls.length;
    b.emu.callbackQuery(BOT_TOKEN, { from: OWNER, message, data: lockdown.callback_data });
    await b.waitFor('answerCallbackQuery', undefined, { since });
    assert.equal(b.emu.getChatState(GROUP)!.permissions.can_send_messages, false);
    assert.equal((await api('GET', `/api/v2/groups/${GROUP}/settings`)).json().data.features_enabled.lockdown_enabled, true);
    const edited = await b.waitFor('editMessageReplyMarkup', undefined, { since });
    assert.ok(buttons(edited).some((x) => x.text === '✅ Lockdown'));
    const unlock = say(OWNER, '/unlock');
    await b.waitFor('sendMessage', (c) => /Lockdown lifted/.test(textOf(c)), { since: unlock.since });
    assert.equal(b.emu.getChatState(GROUP)!.permissions.can_send_messages, true);
  });

  it('should follow a group upgraded to a supergroup', async () => {
    const OLD = -5555;
    const NEW = -1005555;
    b.emu.addChat({ id: OLD, type: 'group', title: 'Small group', members: [{ user: OWNER, status: 'creator' }] });
    const first = b.emu.calls.length;
    b.emu.message(BOT_TOKEN, { from: OWNER, chat: OLD, text: '/rules' });
    await b.waitFor('sendMessage', (c) => c.params.chat_id === OLD, { since: first });
    b.emu.message(BOT_TOKEN, { from: OWNER, chat: OLD, migrate_to_chat_id: NEW });
    for (let i = 0; i < 50 && (await api('GET', `/api/v2/groups/${NEW}`)).statusCode !== 200; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal((await api('GET', `/api/v2/groups/${NEW}`)).statusCode, 200);
    assert.equal((await api('GET', `/api/v2/groups/${OLD}`)).statusCode, 404);
  });

  it('should list roles with permissions and let a member whose role grants it moderate', async () => {
    await api('PUT', `/api/v2/groups/${GROUP}/settings`, { moderation: { flood_messages: 50 } });
    const none = say(OWNER, '/roles');
    assert.match(textOf(await b.waitFor('sendMessage', (c) => c.params.chat_id === GROUP, { since: none.since })), /No roles in this group yet/);
    assert.equal((await api('POST', `/api/v2/groups/${GROUP}/roles`, { name: 'helper', permissions: ['can_warn'], priority: 10 })).statusCode, 201);
    assert.equal((await api('POST', `/api/v2/groups/${GROUP}/roles`, { name: 'moderator', permissions: ['can_mute'], priority: 50, inherits_from: 'helper' })).statusCode, 201);
    assert.equal((await api('PUT', `/api/v2/groups/${GROUP}/users/${ALICE.id}/role`, { role: 'moderator' })).statusCode, 200);

    const list = say(ALICE, '/roles');
    const text = textOf(await b.waitFor('sendMessage', (c) => c.params.chat_id === GROUP, { since: list.since }));
    assert.match(text, /^Roles of Test Group:/);
    assert.match(text, /• moderator \(priority 50, 1 member\(s\)\): can_mute, can_warn/);
    assert.match(text, /• helper \(priority 10, 0 member\(s\)\): can_warn/);
    assert.match(text, /Your role: moderator$/);

    // Alice is no chat administrator; her role lets her mute, not ban.
    const mute = say(ALICE, '/mute @bob 5m');
    await b.waitFor('restrictChatMember', (c) => c.params.user_id === BOB.id, { since: mute.since });
    assert.match(textOf(await b.waitFor('sendMessage', (c) => c.params.chat_id === GROUP, { since: mute.since })), /@bob muted for 5 min/);
    assert.equal((await status(BOB.id)).is_muted, true);
    const ban = say(ALICE, '/ban @bob');
    assert.match(textOf(await b.waitFor('sendMessage', (c) => c.params.chat_id === GROUP, { since: ban.since })), /not allowed/);
    assert.equal((await status(BOB.id)).is_banned, false);
    await b.t.deps.services.enforcement.enforce(GROUP, 'unmute', { user_id: BOB.id });
  });

  it('should show the warn limit without rules and the enabled rules with their penalties', async () => {
    const none = say(BOB, '/rules');
    assert.match(textOf(await b.waitFor('sendMessage', (c) => c.params.chat_id === GROUP, { since: none.since })), /No rules\. 3 warnings earn a/);
    const rule = { name: 'Three strikes', trigger: { type: 'warn_count', threshold: 3 }, penalty: { action: 'ban', duration: 86400 }, priority: 5 };
    assert.equal((await api('POST', `/api/v2/groups/${GROUP}/rules`, rule)).statusCode, 201);
    const links = { name: 'No links', trigger: { type: 'keyword', pattern: 'http' }, penalty: { action: 'mute' }, priority: 1 };
    assert.equal((await api('POST', `/api/v2/groups/${GROUP}/rules`, links)).statusCode, 201);
    const off = { name: 'Disabled one', trigger: { type: 'flood', threshold: 9 }, penalty: { action: 'kick' }, enabled: false };
    assert.equal((await api('POST', `/api/v2/groups/${GROUP}/rules`, off)).statusCode, 201);

    const list = say(BOB, '/rules');
    const lines = textOf(await b.waitFor('sendMessage', (c) => c.params.chat_id === GROUP, { since: list.since })).split('\n');
    assert.equal(lines[0], 'Rules of Test Group:');
    assert.equal(lines.length, 3, lines.join(' | '));
    assert.ok(lines.some((l) => /^\d\. Three strikes: warn_count ≥ 3 → ban$/.test(l)), lines.join(' | '));
    assert.ok(lines.some((l) => /^\d\. No links: "http" → mute$/.test(l)), lines.join(' | '));
  });

  it('should see a member off with the goodbye message, and say nothing without one', async () => {
    await api('PUT', `/api/v2/groups/${GROUP}/settings`, { goodbye_message: 'Bye {first_name}, {group} will miss you' });
    const since = b.emu.calls.length;
    b.emu.leftMember(BOT_TOKEN, { chat: GROUP, left_chat_member: EVE });
    const goodbye = await b.waitFor('sendMessage', (c) => c.params.chat_id === GROUP, { since });
    assert.equal(textOf(goodbye), 'Bye Eve, Test Group will miss you');

    await api('PUT', `/api/v2/groups/${GROUP}/settings`, { goodbye_message: null });
    const quiet = b.emu.calls.length;
    b.emu.leftMember(BOT_TOKEN, { chat: GROUP, left_chat_member: CAROL });
    const marker = say(OWNER, '/warns');
    const next = await b.waitFor('sendMessage', (c) => c.params.chat_id === GROUP, { since: quiet });
    assert.ok(next.index >= marker.since, `something was said when Carol left: ${textOf(next)}`);
  });

  it('should answer Stars pre-checkout queries and credit the payment once', async () => {
    await b.t.deps.services.users.sync(BOT_ID, { telegram_id: OWNER.id, first_name: OWNER.first_name, username: OWNER.username });
    const since = b.emu.calls.length;
    b.emu.preCheckoutQuery(BOT_TOKEN, { from: OWNER, total_amount: 70, invoice_payload: `stars:stars_70:${OWNER.id}` });
    const answer = await b.waitFor('answerPreCheckoutQuery', undefined, { since });
    assert.equal(answer.params.ok, true, String(answer.params.error_message));
    const before = (await b.t.deps.services.users.require(BOT_ID, OWNER.id)).balance;
    const payment = { from: OWNER, total_amount: 70, invoice_payload: `stars:stars_70:${OWNER.id}`, telegram_payment_charge_id: 'bot-charge-1' };
    b.emu.successfulPayment(BOT_TOKEN, payment);
    const credited = await b.waitFor('sendMessage', (c) => /credits/.test(textOf(c)), { since });
    const credits = Number(/^\+(\d+) credits/.exec(textOf(credited))![1]);
    assert.ok(credits > 0);
    assert.equal((await b.t.deps.services.users.require(BOT_ID, OWNER.id)).balance, before + credits);
  });
});
