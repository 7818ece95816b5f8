import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { buildTestApp, type TestApp } from '../../../test/app.ts';
import { BOT_ID, BOT_TOKEN, startTestBot, type TestBot } from '../../../test/bot.ts';
import { miniAppInitData } from '../../../test/telegram-auth.ts';
import type { Call } from '../../../test/telegram-emulator.ts';
import { buildApp } from '../../app.ts';
import { buildDeps, type Deps } from '../../deps.ts';
import { createLogger } from '../../platform/logger.ts';
import type { PluginName } from './plugins.service.ts';

const GROUP = -1009120000001;
const OWNER = { id: 91, is_bot: false, first_name: 'Owner', username: 'owner91', language_code: 'en' };
const ALICE = { id: 9101, is_bot: false, first_name: 'Alice', username: 'alice91' };
const BOB = { id: 9102, is_bot: false, first_name: 'Bob' };
const CUSTOMER = 9_100_000_001;
const REFERRED = 9_100_000_002;

const textOf = (c: Call) => String(c.params.text ?? '');

/**
 * One test per module switch, each through the public interfaces: the behaviour is there, the
 * switch goes off and it is gone (a silent composer, 403 MODULE_DISABLED, a skipped or paused
 * job), the switch goes on and it is back. No restart in between.
 */
describe('module switches', () => {
  let b: TestBot;
  const call = (method: string, url: string, payload?: unknown, headers?: Record<string, string>) => b.t.call(method, url, payload, headers);
  const asUser = (telegramId: number) => ({ 'x-telegram-init-data': miniAppInitData(BOT_TOKEN, { id: telegramId }) });

  async function toggle(name: PluginName, enabled: boolean): Promise<void> {
    const res = await call('POST', `/api/plugins/${name}/toggle`, { bot_id: BOT_ID, enabled });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().data.enabled, enabled);
  }

  function assertDisabled(res: { statusCode: number; json(): { success: boolean; code: string; error: string } }, name: PluginName): void {
    assert.equal(res.statusCode, 403);
    const body = res.json();
    assert.equal(body.success, false);
    assert.equal(body.code, 'MODULE_DISABLED');
    assert.match(body.error, new RegExp(`${name} module is switched off`));
  }

  const say = (from: { id: number }, text: string, chat = GROUP) => {
    const since = b.emu.calls.length;
    b.emu.message(BOT_TOKEN, { from, chat, text });
    return since;
  };

  /** Updates of one chat are handled in order: once /help is answered, everything sent before it was handled. */
  async function settled(chat = GROUP): Promise<void> {
    const since = say(OWNER, '/help', chat);
    await b.waitFor('sendMessage', (c) => c.params.chat_id === chat && textOf(c).startsWith('Moderation commands'), { since });
  }

  const callsSince = (since: number, method: string, predicate: (c: Call) => boolean = () => true) => b.emu.callsTo(method).filter((c) => c.index >= since && predicate(c));

  before(async () => {
    b = await startTestBot();
    b.emu.addChat({ id: GROUP, type: 'supergroup', title: 'Switch Group', members: [{ user: OWNER, status: 'creator' }, { user: ALICE }, { user: BOB }] });
    await settled();
    assert.equal((await call('GET', `/api/v2/groups/${GROUP}`)).json().data.bot_id, BOT_ID);
  });
  after(async () => b.close());

  it('should switch moderation: /mute restricts, then neither /mute nor the mute route does, then /mute restricts again', async () => {
    const mute = () => say(OWNER, `/mute ${ALICE.id} 10m`);
    const restrictsAlice = (c: Call) => c.params.user_id === ALICE.id;
    const on = mute();
    await b.waitFor('restrictChatMember', restrictsAlice, { since: on });
    await b.waitFor('sendMessage', (c) => /muted/.test(textOf(c)), { since: on });
    await call('POST', `/api/v2/groups/${GROUP}/enforcement/unmute`, { user_id: ALICE.id });

    await toggle('moderation', false);
    const off = mute();
    await settled();
    assert.equal(callsSince(off, 'restrictChatMember', restrictsAlice).length, 0);
    assert.equal(callsSince(off, 'sendMessage', (c) => /muted/.test(textOf(c))).length, 0);
    assertDisabled(await call('POST', `/api/v2/groups/${GROUP}/enforcement/mute`, { user_id: ALICE.id, duration: 600 }), 'moderation');
    assertDisabled(await call('POST', `/api/v2/groups/${GROUP}/users/${ALICE.id}/actions`, { action: 'mute', state: 'active' }), 'moderation');
    assert.equal((await call('GET', `/api/v2/groups/${GROUP}/users/${ALICE.id}/status`)).json().data.is_muted, false);

    await toggle('moderation', true);
    const again = mute();
    await b.waitFor('restrictChatMember', restrictsAlice, { since: again });
    await b.waitFor('sendMessage', (c) => /muted/.test(textOf(c)), { since: again });
    assert.equal((await call('GET', `/api/v2/groups/${GROUP}/users/${ALICE.id}/status`)).json().data.is_muted, true);
    await call('POST', `/api/v2/groups/${GROUP}/enforcement/unmute`, { user_id: ALICE.id });
  });

  it('should switch rules: the warn limit penalises, flood counting and /rules answer; off none of it; on again all of it', async () => {
    assert.equal((await call('PUT', `/api/v2/groups/${GROUP}/settings`, { moderation: { warn_limit: 1, warn_action: 'kick' } })).statusCode, 200);
    const warn = async () => {
      const res = await call('POST', `/api/v2/groups/${GROUP}/enforcement/warn`, { user_id: BOB.id });
      assert.equal(res.statusCode, 200, res.body);
      return res.json().data;
    };
    const flood = () => call('POST', `/api/v2/groups/${GROUP}/flood`, { user_id: BOB.id });
    assert.equal((await warn()).rule_fired?.penalty, 'kick');
    assert.equal((await flood()).statusCode, 200);
    const listed = say(OWNER, '/rules');
    await b.waitFor('sendMessage', (c) => /warn/i.test(textOf(c)) && c.params.chat_id === GROUP, { since: listed });

    await toggle('rules', false);
    const offWarn = await warn();
    assert.equal(offWarn.rule_fired, null);
    assert.equal(offWarn.warnings, 1);
    assertDisabled(await flood(), 'rules');
    const silent = say(OWNER, '/rules');
    await settled();
    assert.equal(callsSince(silent, 'sendMessage').length, 1, 'only /help was answered');

    await toggle('rules', true);
    assert.equal((await warn()).rule_fired?.penalty, 'kick');
    assert.equal((await flood()).statusCode, 200);
    await call('PUT', `/api/v2/groups/${GROUP}/settings`, { moderation: { warn_limit: 3, warn_action: 'mute' } });
    b.emu.setMember(GROUP, { user: BOB });
  });

  it('should switch welcome: a newcomer is greeted, then not, then greeted again', async () => {
    await call('PUT', `/api/v2/groups/${GROUP}/settings`, { welcome_message: 'Welcome, {first_name}!' });
    const join = async (first_name: string) => {
      const since = b.emu.calls.length;
      b.emu.newMembers(BOT_TOKEN, { chat: GROUP, new_chat_members: [{ id: 9200 + first_name.length, is_bot: false, first_name }] });
      return since;
    };
    const greeted = (name: string) => (c: Call) => textOf(c) === `Welcome, ${name}!`;
    await b.waitFor('sendMessage', greeted('Ann'), { since: await join('Ann') });

    await toggle('welcome', false);
    const off = await join('Bella');
    await settled();
    assert.equal(callsSince(off, 'sendMessage', greeted('Bella')).length, 0);

    await toggle('welcome', true);
    await b.waitFor('sendMessage', greeted('Cecil'), { since: await join('Cecil') });
    await call('PUT', `/api/v2/groups/${GROUP}/settings`, { welcome_message: null });
  });

  it('should switch night_mode: /lockdown, the lockdown route and the schedule tick act, then do not, then act again', async () => {
    const { nightMode, groups } = b.t.deps.services;
    const lockdown = async () => {
      const since = say(OWNER, '/lockdown');
      await b.waitFor('setChatPermissions', (c) => c.params.chat_id === GROUP, { since });
      await call('POST', `/api/v2/groups/${GROUP}/enforcement/unlock`, {});
    };
    await lockdown();

    await toggle('night_mode', false);
    const off = say(OWNER, '/lockdown');
    await settled();
    assert.equal(callsSince(off, 'setChatPermissions').length, 0);
    assertDisabled(await call('POST', `/api/v2/groups/${GROUP}/enforcement/lockdown`, {}), 'night_mode');
    assertDisabled(await call('POST', `/api/v2/groups/${GROUP}/enforcement/night_mode_on`, {}), 'night_mode');
    // The schedule covers now: the tick job would start night mode, but skips a switched-off bot.
    const now = new Date();
    const hhmm = (d: Date) => d.toISOString().slice(11, 16);
    await groups.updateSettings(GROUP, { night_mode_schedule: { start: hhmm(new Date(now.getTime() - 5 * 60_000)), end: hhmm(new Date(now.getTime() + 60 * 60_000)) } });
    await groups.update(GROUP, { timezone: 'UTC' });
    assert.equal(await nightMode.tick(now), 0);
    assert.equal((await groups.getSettings(GROUP)).features_enabled.night_mode, false);

    await toggle('night_mode', true);
    assert.equal(await nightMode.tick(new Date(now.getTime() + 60_000)), 1, 'tonight is started once switched back on');
    assert.equal((await groups.getSettings(GROUP)).features_enabled.night_mode, true);
    await call('POST', `/api/v2/groups/${GROUP}/enforcement/night_mode_off`, {});
    await groups.updateSettings(GROUP, { night_mode_schedule: null });
    await lockdown();
  });

  it('should switch payments: checkout is accepted, then declined and the routes refused (a paid charge is still credited), then accepted again', async () => {
    assert.equal((await call('POST', '/api/v1/users/sync', { telegram_id: CUSTOMER }, asUser(CUSTOMER))).statusCode, 200);
    const checkout = async () => {
      const since = b.emu.calls.length;
      b.emu.preCheckoutQuery(BOT_TOKEN, { from: CUSTOMER, total_amount: 70, invoice_payload: `stars:stars_70:${CUSTOMER}` });
      return (await b.waitFor('answerPreCheckoutQuery', undefined, { since })).params;
    };
    assert.equal((await checkout()).ok, true);
    assert.equal((await call('GET', '/api/v1/payments/stars/options', undefined, asUser(CUSTOMER))).statusCode, 200);

    await toggle('payments', false);
    const declined = await checkout();
    assert.equal(declined.ok, false);
    assert.match(String(declined.error_message), /switched off/);
    assertDisabled(await call('GET', '/api/v1/payments/stars/options', undefined, asUser(CUSTOMER)), 'payments');
    assertDisabled(await call('POST', '/api/v1/payments/stars/invoice', { telegram_id: CUSTOMER, option_id: 'stars_70' }, asUser(CUSTOMER)), 'payments');
    // Stars Telegram already took (a checkout accepted just before the switch) are still credited.
    const since = b.emu.calls.length;
    b.emu.successfulPayment(BOT_TOKEN, { from: CUSTOMER, total_amount: 70, invoice_payload: `stars:stars_70:${CUSTOMER}`, telegram_payment_charge_id: 'switch-paid-1' });
    await b.waitFor('sendMessage', (c) => /\+1000 credits/.test(textOf(c)), { since });

    await toggle('payments', true);
    assert.equal((await checkout()).ok, true);
    assert.equal((await call('GET', '/api/v1/payments/stars/options', undefined, asUser(CUSTOMER))).statusCode, 200);
  });

  it('should switch generations: a price is quoted, then refused, then quoted again', async () => {
    const price = () => call('POST', '/api/v1/generations/price', { telegram_id: CUSTOMER, model_id: 'qwen' }, asUser(CUSTOMER));
    assert.equal((await price()).statusCode, 200);
    await toggle('generations', false);
    assertDisabled(await price(), 'generations');
    assertDisabled(await call('POST', '/api/v1/generations/submit', { telegram_id: CUSTOMER, model_id: 'qwen', prompt: 'a cat' }, asUser(CUSTOMER)), 'generations');
    await toggle('generations', true);
    assert.equal((await price()).statusCode, 200);
  });

  it('should switch referrals: the referral page answers and the referrer earns, then neither, then both again', async () => {
    assert.equal((await call('PATCH', `/api/v2/bots/${BOT_ID}`, { ref_percent: 10 })).statusCode, 200);
    const page = await call('GET', `/api/v1/referrals/${CUSTOMER}`, undefined, asUser(CUSTOMER));
    assert.equal(page.statusCode, 200, page.body);
    const synced = await call('POST', '/api/v1/users/sync', { telegram_id: REFERRED, start_param: `ref_${page.json().referral_code}` }, asUser(REFERRED));
    assert.equal(synced.json().user.referrer_telegram_id, CUSTOMER);
    const pay = async (charge: string) => {
      const res = await call('POST', '/api/v1/payments/stars/confirm', { bot_id: BOT_ID, telegram_id: REFERRED, telegram_payment_charge_id: charge, total_amount: 70, invoice_payload: `stars:stars_70:${REFERRED}` });
      assert.equal(res.statusCode, 200, res.body);
      return res.json();
    };
    assert.equal((await pay('ref-on-1')).referral_bonus, 100);

    await toggle('referrals', false);
    assertDisabled(await call('GET', `/api/v1/referrals/${CUSTOMER}`, undefined, asUser(CUSTOMER)), 'referrals');
    const off = await pay('ref-off-1');
    assert.equal(off.referral_bonus, 0);
    assert.equal(off.credits, 1000);

    await toggle('referrals', true);
    assert.equal((await call('GET', `/api/v1/referrals/${CUSTOMER}`, undefined, asUser(CUSTOMER))).json().referral_earnings, 100);
    assert.equal((await pay('ref-on-2')).referral_bonus, 100);
  });

  it('should switch api_send: /api/send sends, then answers 403 MODULE_DISABLED, then sends again', async () => {
    const send = (message: string) => call('POST', '/api/send', { chat_id: GROUP, message, bot_id: BOT_ID });
    assert.equal((await send('deploy 1')).statusCode, 200);
    await toggle('api_send', false);
    const since = b.emu.calls.length;
    assertDisabled(await send('deploy 2'), 'api_send');
    assert.equal(callsSince(since, 'sendMessage').length, 0);
    await toggle('api_send', true);
    assert.equal((await send('deploy 3')).statusCode, 200);
  });

  it('should switch custom_webhooks: a token posts through the bot, then is refused (and none can be made), then posts again', async () => {
    const created = await call('POST', '/api/webhooks/custom', { bot_id: BOT_ID, name: 'ci', action: 'send_message', chat_id: GROUP });
    assert.equal(created.statusCode, 201, created.body);
    const token = created.json().data.token as string;
    const trigger = (message: string) => b.t.app.inject({ method: 'POST', url: `/webhooks/custom/${token}`, payload: { message } });
    assert.equal((await trigger('build green')).statusCode, 200);

    await toggle('custom_webhooks', false);
    const since = b.emu.calls.length;
    assertDisabled(await trigger('build red'), 'custom_webhooks');
    assert.equal(callsSince(since, 'sendMessage').length, 0);
    assertDisabled(await call('POST', '/api/webhooks/custom', { bot_id: BOT_ID, name: 'ci-2', action: 'send_message', chat_id: GROUP }), 'custom_webhooks');

    await toggle('custom_webhooks', true);
    const back = await trigger('build green again');
    assert.equal(back.statusCode, 200, back.body);
  });

  it('should switch broadcasts: a running broadcast pauses with nothing lost and resumes, and none can be created or started while off', async () => {
    const FIRST = 9_300_000_000;
    const USERS = 120;
    await b.t.deps.database.db.execute(sql`
      insert into bot_users (bot_id, telegram_id, referral_code, language_code, last_seen_at)
      select ${BOT_ID}::bigint, ${FIRST}::bigint + g, 'sw' || g, 'en', now() from generate_series(1, ${USERS}) g`);
    const admin = (method: string, url: string, payload?: unknown) => call(method, `${url}?bot_id=${BOT_ID}`, payload);
    const view = async (id: string) => (await admin('GET', `/api/v1/admin/broadcasts/${id}`)).json();
    const draft = await admin('POST', '/api/v1/admin/broadcasts', { text: 'News', filter: { type: 'all', language: 'en' } });
    assert.equal(draft.statusCode, 201, draft.body);
    const id = draft.json().public_id as string;
    const since = b.emu.calls.length;
    assert.equal((await admin('POST', `/api/v1/admin/broadcasts/${id}/start`)).statusCode, 200);
    await b.waitFor('sendMessage', (c) => Number(c.params.chat_id) > FIRST, { since, timeoutMs: 10_000 });

    await toggle('broadcasts', false);
    await new Promise((r) => setTimeout(r, 1000));
    const paused = await view(id);
    await new Promise((r) => setTimeout(r, 2000));
    const later = await view(id);
    assert.equal(later.status, 'running');
    assert.equal(later.sent, paused.sent, 'nothing is sent while the switch is off');
    assert.ok(later.pending > 0, 'the rest waits');
    assertDisabled(await admin('POST', '/api/v1/admin/broadcasts', { text: 'More news', filter: { type: 'all' } }), 'broadcasts');

    await toggle('broadcasts', true);
    const deadline = Date.now() + 30_000;
    let done = await view(id);
    while (done.status !== 'completed' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      done = await view(id);
    }
    assert.equal(done.status, 'completed');
    const perUser = new Map<number, number>();
    for (const c of callsSince(since, 'sendMessage', (c) => Number(c.params.chat_id) > FIRST)) perUser.set(Number(c.params.chat_id), (perUser.get(Number(c.params.chat_id)) ?? 0) + 1);
    assert.equal(perUser.size, USERS, 'every user got the broadcast');
    assert.ok([...perUser.values()].every((n) => n === 1), 'and only once');
  });
});

describe('module switches across instances (PostgreSQL + Redis)', { skip: !process.env.TEST_DATABASE_URL || !process.env.TEST_REDIS_URL ? 'needs TEST_DATABASE_URL and TEST_REDIS_URL' : false }, () => {
  let a: TestApp;
  let depsB: Deps;
  let appB: FastifyInstance;
  const BOT = { id: 7400001, token: '7400001:SWITCHES-two-instances-token-0123' };

  before(async () => {
    a = await buildTestApp();
    // Instance B: its own process state (L1 cache, job engine), the same database and Redis prefix as A.
    depsB = await buildDeps(a.deps.config, createLogger('silent'));
    appB = await buildApp(depsB);
    await appB.ready();
    assert.equal((await a.call('POST', '/api/v2/bots', { token: BOT.token })).statusCode, 201);
  });
  after(async () => {
    await appB.close();
    await depsB.close();
    await a.close();
  });

  it('should make a switch flipped through instance A hold on instance B within a second, and back', async () => {
    const onB = () => appB.inject({ method: 'GET', url: `/api/v1/admin/broadcasts?bot_id=${BOT.id}`, headers: a.auth });
    const createOnB = () => appB.inject({ method: 'POST', url: `/api/v1/admin/broadcasts?bot_id=${BOT.id}`, headers: a.auth, payload: { text: 'hi', filter: { type: 'all' } } });
    assert.equal((await onB()).statusCode, 200);
    // B has read the switch, so it sits in B's in-process cache.
    assert.equal(await depsB.services.plugins.isEnabled(BOT.id, 'broadcasts'), true);
    assert.equal((await createOnB()).statusCode, 201);

    for (const enabled of [false, true]) {
      assert.equal((await a.call('POST', '/api/plugins/broadcasts/toggle', { bot_id: BOT.id, enabled })).statusCode, 200);
      const flipped = Date.now();
      let status = (await createOnB()).statusCode;
      while (status !== (enabled ? 201 : 403) && Date.now() - flipped < 1000) {
        await new Promise((r) => setTimeout(r, 20));
        status = (await createOnB()).statusCode;
      }
      assert.equal(status, enabled ? 201 : 403, `B honours broadcasts=${enabled} within a second`);
      assert.equal(await depsB.services.plugins.isEnabled(BOT.id, 'broadcasts'), enabled);
    }
  });
});
