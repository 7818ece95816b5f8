import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../config.ts';
import { jobDefinitions } from '../jobs.ts';
import { createLogger } from '../platform/logger.ts';
import { BOOTSTRAP_KEY, buildTestApp, type TestApp } from '../../test/app.ts';
import { BOT_ID, BOT_TOKEN } from '../../test/bot.ts';
import { startTelegramEmulator, type Call, type TelegramEmulator } from '../../test/telegram-emulator.ts';
import { startRemoteBot } from './remote.ts';

const GROUP = -1009876543210;
const OWNER = { id: 11, is_bot: false, first_name: 'Owner', username: 'owner', language_code: 'en' };
const ALICE = { id: 2001, is_bot: false, first_name: 'Alice', username: 'alice' };
const BOB = { id: 2002, is_bot: false, first_name: 'Bob', username: 'bob' };
const CAROL = { id: 2003, is_bot: false, first_name: 'Carol' };

const textOf = (c: Call) => String(c.params.text ?? '');
const buttons = (c: Call) => ((c.params.reply_markup as { inline_keyboard: { text: string; callback_data: string }[][] }).inline_keyboard ?? []).flat();

/**
 * The bot as a process of its own (TGBASE_API_URL): tgbase listens on a real port with its job
 * workers, the bot reaches it only through the typed client, and both talk to one Bot API emulator.
 */
describe('bot running against a remote tgbase', () => {
  let t: TestApp;
  let emu: TelegramEmulator;
  let remote: Awaited<ReturnType<typeof startRemoteBot>>;
  const api = async (method: string, url: string, payload?: unknown) => (await t.call(method, url, payload)).json();
  const status = async (userId: number) => (await api('GET', `/api/v2/groups/${GROUP}/users/${userId}/status`)).data;
  const waitFor = (method: string, predicate?: (c: Call) => boolean, since = 0, timeoutMs = 5000) => emu.waitForCall(method, predicate, { since, timeoutMs });
  const say = (from: object & { id: number }, text: string, extra: Record<string, unknown> = {}) => {
    const since = emu.calls.length;
    emu.message(BOT_TOKEN, { from, chat: GROUP, text, ...extra });
    return since;
  };
  const replyAfter = (since: number) => waitFor('sendMessage', (c) => c.params.chat_id === GROUP, since);

  before(async () => {
    emu = await startTelegramEmulator();
    t = await buildTestApp({ TELEGRAM_API_ROOT: emu.apiRoot, BOT_THROTTLE: 'false', ROLES: 'api,worker' });
    await t.deps.jobs.register(jobDefinitions(t.deps), true);
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const port = (t.app.server.address() as AddressInfo).port;
    emu.addChat({ id: GROUP, type: 'supergroup', title: 'Remote Group', members: [{ user: OWNER, status: 'creator' }, { user: ALICE }, { user: BOB }] });
    const config = loadConfig({
      ROLES: 'bot',
      TGBASE_API_URL: `http://127.0.0.1:${port}`,
      API_V2_KEY: BOOTSTRAP_KEY,
      BOT_TOKENS: BOT_TOKEN,
      TELEGRAM_API_ROOT: emu.apiRoot,
      BOT_THROTTLE: 'false',
      BOT_REMOTE_CACHE_SECONDS: '1',
      BOT_WELCOME_TTL_SECONDS: '1',
      DATA_DIR: 'memory://',
      ...(process.env.TEST_REDIS_URL && { REDIS_URL: process.env.TEST_REDIS_URL, REDIS_PREFIX: `${t.deps.config.REDIS_PREFIX}bot:` }),
    });
    remote = await startRemoteBot(config, createLogger('silent'));
  });
  after(async () => {
    await remote?.close();
    await t?.close();
    await emu?.close();
  });

  it('should hand its token to tgbase at start, so tgbase can act in Telegram', async () => {
    assert.equal(await t.deps.services.bots.tokenOf(BOT_ID), BOT_TOKEN);
  });

  it('should register the group, refuse /ban from a member and mute for an admin with the action in tgbase', async () => {
    const hello = say(ALICE, 'hello');
    await waitFor('getChatAdministrators', undefined, hello);
    assert.equal((await api('GET', `/api/v2/groups/${GROUP}`)).data.bot_id, BOT_ID);

    const refused = say(BOB, '/ban @alice');
    assert.match(textOf(await replyAfter(refused)), /not allowed/);
    assert.equal(emu.callsTo('banChatMember').length, 0);

    const mute = say(OWNER, '/mute @alice 10m spam');
    const restrict = await waitFor('restrictChatMember', (c) => c.params.user_id === ALICE.id, mute);
    assert.ok(Math.abs(Number(restrict.params.until_date) - (Math.floor(Date.now() / 1000) + 600)) <= 3);
    assert.match(textOf(await replyAfter(mute)), /@alice muted for 10 min\. Reason: spam/);
    assert.equal((await status(ALICE.id)).is_muted, true);
    const [entry] = (await api('GET', `/api/v2/groups/${GROUP}/actions?user_id=${ALICE.id}&action=mute`)).data.items;
    assert.equal(entry.source, 'bot');
    assert.equal(entry.admin_id, OWNER.id);
  });

  it('should toggle from the /settings @user panel and edit the keyboard in place', async () => {
    const open = say(OWNER, '/settings @alice');
    const panel = await waitFor('sendMessage', (c) => c.params.chat_id === GROUP && !!c.params.reply_markup, open);
    const mute = buttons(panel).find((x) => x.text.includes('Mute'))!;
    assert.equal(mute.text, '✅ Mute');
    const message = { chat_id: GROUP, message_id: emu.messagesIn(GROUP).at(-1)!.message_id };
    const since = emu.calls.length;
    emu.callbackQuery(BOT_TOKEN, { from: OWNER, message, data: mute.callback_data });
    await waitFor('answerCallbackQuery', undefined, since);
    const edited = await waitFor('editMessageReplyMarkup', undefined, since);
    assert.equal(buttons(edited).find((x) => x.text.includes('Mute'))!.text, '❌ Mute');
    assert.equal((await status(ALICE.id)).is_muted, false);
    assert.equal(emu.getMember(GROUP, ALICE.id).status, 'member');
  });

  it('should run the captcha through tgbase: newcomer muted, challenge stored, button lets them in', async () => {
    await api('PUT', `/api/v2/groups/${GROUP}/settings`, { moderation: { captcha_enabled: true, captcha_timeout_seconds: 60 } });
    await new Promise((r) => setTimeout(r, 1100)); // the bot's copy of the settings runs out
    const since = emu.calls.length;
    emu.newMembers(BOT_TOKEN, { chat: GROUP, new_chat_members: [CAROL] });
    const prompt = await waitFor('sendMessage', (c) => /Carol, press the button/.test(textOf(c)), since);
    await waitFor('restrictChatMember', (c) => c.params.user_id === CAROL.id, since);
    for (let i = 0; i < 50 && (await t.call('GET', `/api/v2/groups/${GROUP}/captcha/${CAROL.id}`)).statusCode !== 200; i++) await new Promise((r) => setTimeout(r, 20));
    const challenge = (await api('GET', `/api/v2/groups/${GROUP}/captcha/${CAROL.id}`)).data;
    assert.equal(challenge.status, 'pending');
    assert.equal((await status(CAROL.id)).is_muted, true);

    const message = { chat_id: GROUP, message_id: challenge.message_id };
    emu.callbackQuery(BOT_TOKEN, { from: CAROL, message, data: buttons(prompt)[0].callback_data });
    await waitFor('answerCallbackQuery', (c) => c.params.text === 'Welcome!', since);
    assert.equal((await api('GET', `/api/v2/groups/${GROUP}/captcha/${CAROL.id}`)).data.status, 'solved');
    assert.equal((await status(CAROL.id)).is_muted, false);
    await waitFor('deleteMessage', (c) => c.params.message_id === challenge.message_id, since);
    await api('PUT', `/api/v2/groups/${GROUP}/settings`, { moderation: { captcha_enabled: false } });
  });

  it('should count floods in tgbase and apply the penalty as a rule', async () => {
    await api('PUT', `/api/v2/groups/${GROUP}/settings`, { moderation: { flood_messages: 3, flood_window_seconds: 10, flood_action: 'mute' } });
    await new Promise((r) => setTimeout(r, 1100)); // the bot's copy of the settings runs out
    const since = emu.calls.length;
    for (let i = 0; i < 3; i++) say(BOB, `spam ${i}`);
    await waitFor('restrictChatMember', (c) => c.params.user_id === BOB.id, since);
    assert.match(textOf(await waitFor('sendMessage', (c) => /too many/.test(textOf(c)), since)), /@bob is sending too many messages: mute/);
    const log = (await api('GET', `/api/v2/groups/${GROUP}/actions?user_id=${BOB.id}`)).data.items;
    assert.ok(log.some((e: { action: string; source: string }) => e.action === 'mute' && e.source === 'rule'));
  });

  it('should welcome with the group text and have tgbase delete the welcome later', async () => {
    await api('PUT', `/api/v2/groups/${GROUP}/settings`, { welcome_message: 'Hi {first_name} in {group}', features_enabled: { auto_delete_welcome: true } });
    await new Promise((r) => setTimeout(r, 1100));
    const since = emu.calls.length;
    emu.newMembers(BOT_TOKEN, { chat: GROUP, new_chat_members: [{ id: 2004, is_bot: false, first_name: 'Dan' }] });
    assert.equal(textOf(await waitFor('sendMessage', (c) => c.params.chat_id === GROUP, since)), 'Hi Dan in Remote Group');
    const sent = emu.messagesIn(GROUP).find((m) => m.text === 'Hi Dan in Remote Group')!;
    await waitFor('deleteMessage', (c) => Number(c.params.message_id) === sent.message_id, since, 15_000);
  });

  it('should apply keyword rules in tgbase: message deleted by tgbase, penalty logged with the rule id', async () => {
    const rule = await api('POST', `/api/v2/groups/${GROUP}/rules`, { name: 'No invites', trigger: { type: 'keyword', pattern: 't\\.me/\\+' }, penalty: { action: 'warn' } });
    const spammer = { id: 2010, is_bot: false, first_name: 'Spam', username: 'spam2010' };
    const since = emu.calls.length;
    const message = emu.message(BOT_TOKEN, { from: spammer, chat: GROUP, text: 'join t.me/+abcdef' }).message!;
    await waitFor('deleteMessage', (c) => Number(c.params.message_id) === message.message_id, since);
    assert.match(textOf(await waitFor('sendMessage', (c) => /No invites/.test(textOf(c)), since)), /No invites: warning for @spam2010/);
    assert.equal((await status(spammer.id)).has_warnings, 1);
    const log = (await api('GET', `/api/v2/groups/${GROUP}/actions?user_id=${spammer.id}`)).data.items;
    assert.ok(log.some((e: { action: string; meta: { rule_id?: number } }) => e.action === 'warn' && e.meta.rule_id === rule.data.id));
  });
});
