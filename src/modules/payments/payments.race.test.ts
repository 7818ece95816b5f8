import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildTestApp, type TestApp } from '../../../test/app.ts';
import { startFakeProvider, type FakeProvider } from '../../../test/fake-provider.ts';
import { startTelegramEmulator, type TelegramEmulator } from '../../../test/telegram-emulator.ts';
import { miniAppInitData } from '../../../test/telegram-auth.ts';
import { buildApp } from '../../app.ts';
import { BotRunner } from '../../bot/runner.ts';

/*
 * Money under concurrency, as production runs it: two instances on one PostgreSQL database and
 * one Redis, every request through the public HTTP API or the bot's webhook. PGlite has a
 * single connection, so transactions never overlap there and none of this can happen.
 */
const NEEDS_POSTGRES = !process.env.TEST_DATABASE_URL && 'needs PostgreSQL (TEST_DATABASE_URL): PGlite runs one transaction at a time, so nothing can race';

const BOT = { id: 7300001, token: '7300001:RACERACERACERACERACERACERACERACERAC' };
const REFERRER = 8_300_000_001;
const PAYER = 8_300_000_002;
const WEBHOOK_PAYER = 8_300_000_003;
const WEBHOOK_SECRET = 'race-webhook-secret-0123456789';

describe('money under concurrency: two instances, one database', { skip: NEEDS_POSTGRES }, () => {
  let a: TestApp;
  let b: TestApp;
  let emu: TelegramEmulator;
  let fake: FakeProvider;
  const runners: BotRunner[] = [];
  const hooks: FastifyInstance[] = [];
  const webhookUrls: string[] = [];

  const asUser = (telegramId: number) => ({ 'x-telegram-init-data': miniAppInitData(BOT.token, { id: telegramId }) });
  const confirmBody = (charge: string, telegramId = PAYER) => ({
    bot_id: BOT.id,
    telegram_id: telegramId,
    telegram_payment_charge_id: charge,
    total_amount: 70,
    invoice_payload: `stars:stars_70:${telegramId}`,
    currency: 'XTR',
  });
  const instance = (i: number) => (i % 2 === 0 ? a : b);
  const serverErrors = (responses: LightMyRequestResponse[]) => responses.filter((r) => r.statusCode >= 500);

  async function userOf(telegramId: number) {
    const { users, ledger } = a.deps.services;
    const user = await users.require(BOT.id, telegramId);
    return { id: user.id, balance: user.balance, ledgerSum: await ledger.ledgerSum(user.id) };
  }

  before(async () => {
    emu = await startTelegramEmulator();
    fake = await startFakeProvider();
    // Production defaults otherwise: throttling, timeouts and rates as shipped.
    const env = {
      TELEGRAM_API_ROOT: emu.apiRoot,
      WAVESPEED_API_KEY: fake.apiKey,
      WAVESPEED_BASE_URL: fake.url,
      BOT_MODE: 'webhook',
      BOT_WEBHOOK_URL: 'http://127.0.0.1:1',
      BOT_WEBHOOK_SECRET: WEBHOOK_SECRET,
    };
    a = await buildTestApp(env);
    b = await buildTestApp(env, { shareWith: a });
    const bot = await a.call('POST', '/api/v2/bots', { token: BOT.token, admin_ids: [1], ref_percent: 10 });
    assert.equal(bot.statusCode, 201, bot.body);
    const referrer = await a.app.inject({ method: 'POST', url: '/api/v1/users/sync', headers: asUser(REFERRER), payload: { telegram_id: REFERRER } });
    const code = referrer.json().user.referral_code;
    for (const telegramId of [PAYER, WEBHOOK_PAYER]) {
      const res = await a.app.inject({ method: 'POST', url: '/api/v1/users/sync', headers: asUser(telegramId), payload: { telegram_id: telegramId, start_param: `ref_${code}` } });
      assert.equal(res.statusCode, 200, res.body);
    }
    // Each instance runs the bot role in webhook mode behind its own socket, as behind a load balancer.
    for (const t of [a, b]) {
      const runner = new BotRunner(t.deps, () => t.deps.services.bots.activeTokens());
      await runner.start();
      runners.push(runner);
      const hook = await buildApp(t.deps, { botRunner: runner });
      await hook.listen({ host: '127.0.0.1', port: 0 });
      hooks.push(hook);
      webhookUrls.push(`http://127.0.0.1:${(hook.server.address() as AddressInfo).port}/telegram/${BOT.id}`);
    }
  });
  after(async () => {
    await Promise.all(hooks.map((h) => h.close()));
    await Promise.all(runners.map((r) => r.stop()));
    await b?.close();
    await a?.close();
    await emu?.close();
    await fake?.close();
  });

  it('should credit 10 concurrent confirms of different charges for one user with no 5xx', async (t) => {
    const before = await userOf(PAYER);
    const referrerBefore = await userOf(REFERRER);
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) => instance(i).app.inject({ method: 'POST', url: '/api/v1/payments/stars/confirm', headers: instance(i).auth, payload: confirmBody(`race-confirm-${i}`) })),
    );
    const after = await userOf(PAYER);
    const credited = (after.balance - before.balance) / 1000;
    t.diagnostic(`confirms raced 10, 5xx ${serverErrors(responses).length}, credited ${credited}, credits lost ${(10 - credited) * 1000}`);
    assert.deepEqual(
      responses.map((r) => r.statusCode),
      Array(10).fill(200),
      serverErrors(responses)[0]?.body,
    );
    assert.equal(after.balance, before.balance + 10_000);
    assert.equal(after.ledgerSum, after.balance);
    const referrer = await userOf(REFERRER);
    assert.equal(referrer.balance, referrerBefore.balance + 10 * 100);
    assert.equal(referrer.ledgerSum, referrer.balance);
  });

  it('should end a mix of payments, debits, a submission, refunds and admin adjustments with no 5xx and balance = ledger sum', async (t) => {
    const { payments } = a.deps.services;
    for (const i of [0, 1]) assert.equal((await a.app.inject({ method: 'POST', url: '/api/v1/payments/stars/confirm', headers: a.auth, payload: confirmBody(`race-to-refund-${i}`) })).statusCode, 200);
    // A generation in flight whose admin refund races with everything else.
    fake.defaultBehavior = { kind: 'slow' };
    const inFlight = await a.app.inject({ method: 'POST', url: '/api/v1/generations/submit', headers: asUser(PAYER), payload: { telegram_id: PAYER, model_id: 'seedream-v4', prompt: 'a fox', use_trial: false } });
    assert.equal(inFlight.statusCode, 200, inFlight.body);
    const toRefund = await Promise.all([0, 1].map(async (i) => (await payments.repo.findByCharge(BOT.id, `race-to-refund-${i}`))!.id));
    const start = await userOf(PAYER);

    type Op = { kind: string; run: () => Promise<LightMyRequestResponse> };
    const admin = (t: TestApp, url: string, payload: object) => t.app.inject({ method: 'POST', url, headers: t.auth, payload });
    const ops: Op[] = [
      ...Array.from({ length: 5 }, (_, i) => ({ kind: 'payment', run: () => instance(i).app.inject({ method: 'POST', url: '/api/v1/payments/stars/confirm', headers: instance(i).auth, payload: confirmBody(`race-mix-${i}`) }) })),
      ...Array.from({ length: 4 }, (_, i) => ({ kind: 'debit', run: () => admin(instance(i + 1), `/api/v1/admin/credits?bot_id=${BOT.id}`, { telegram_id: PAYER, amount: -100, reason: `debit ${i}` }) })),
      ...Array.from({ length: 3 }, (_, i) => ({ kind: 'adjustment', run: () => admin(instance(i), `/api/v1/admin/credits?bot_id=${BOT.id}`, { telegram_id: PAYER, amount: 50, reason: `goodwill ${i}`, idempotency_key: `race-goodwill-${i}` }) })),
      ...toRefund.map((id, i) => ({ kind: 'payment refund', run: () => admin(instance(i + 1), `/api/v1/admin/payments/${id}/refund?bot_id=${BOT.id}`, { reason: 'race' }) })),
      { kind: 'generation refund', run: () => admin(b, `/api/v1/admin/generations/${inFlight.json().generation_id}/refund?bot_id=${BOT.id}`, { reason: 'race' }) },
      { kind: 'submission', run: () => b.app.inject({ method: 'POST', url: '/api/v1/generations/submit', headers: asUser(PAYER), payload: { telegram_id: PAYER, model_id: 'seedream-v4', prompt: 'a hare', use_trial: false } }) },
    ];
    const responses = await Promise.all(ops.map((op) => op.run()));
    const failed = responses.map((r, i) => ({ kind: ops[i].kind, status: r.statusCode, body: r.body })).filter((r) => r.status >= 500);
    const paid = responses.filter((r, i) => ops[i].kind === 'payment' && r.statusCode === 200).length;
    const end = await userOf(PAYER);
    t.diagnostic(`mixed ops ${ops.length} (payments 5), 5xx ${failed.length} (payments ${failed.filter((f) => f.kind === 'payment').length}), balance ${end.balance}, ledger sum ${end.ledgerSum}`);
    assert.deepEqual(failed, []);
    // Every payment is credited; the in-flight generation may still hold the active slot, so a second submission may be refused as in progress.
    assert.equal(paid, 5);
    for (const [i, r] of responses.entries()) {
      if (ops[i].kind !== 'submission') assert.equal(r.statusCode, 200, `${ops[i].kind}: ${r.body}`);
    }
    const submission = responses.at(-1)!;
    assert.ok([200, 409].includes(submission.statusCode), submission.body);
    const expected = start.balance + 5 * 1000 - 4 * 100 + 3 * 50 - 2 * 1000 + 27 - (submission.statusCode === 200 ? 27 : 0);
    assert.equal(end.balance, expected);
    assert.equal(end.ledgerSum, end.balance);
    const referrer = await userOf(REFERRER);
    assert.equal(referrer.ledgerSum, referrer.balance);
  });

  it('should credit every successful_payment update sent to two webhook instances at once', async (t) => {
    const count = 16;
    const before = await userOf(WEBHOOK_PAYER);
    const since = emu.calls.length;
    const update = (i: number) => ({
      update_id: 500_000 + i,
      message: {
        message_id: 100 + i,
        date: Math.floor(Date.now() / 1000),
        chat: { id: WEBHOOK_PAYER, type: 'private', first_name: 'Payer' },
        from: { id: WEBHOOK_PAYER, is_bot: false, first_name: 'Payer' },
        successful_payment: { currency: 'XTR', total_amount: 70, invoice_payload: `stars:stars_70:${WEBHOOK_PAYER}`, telegram_payment_charge_id: `race-hook-${i}`, provider_payment_charge_id: '' },
      },
    });
    const secret = runners[0].secretFor(BOT.id);
    const statuses: number[] = [];
    // Telegram's part: an update not answered 2xx is delivered again (here to the other instance) until it is.
    const deliver = async (i: number) => {
      for (let attempt = 0; attempt < 5; attempt++) {
        const res = await fetch(webhookUrls[(i + attempt) % 2], { method: 'POST', headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret }, body: JSON.stringify(update(i)) });
        statuses.push(res.status);
        if (res.ok) return;
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    await Promise.all(Array.from({ length: count }, (_, i) => deliver(i)));
    const after = await userOf(WEBHOOK_PAYER);
    const credited = (after.balance - before.balance) / 1000;
    const notices = emu.callsTo('sendMessage').filter((c) => c.index >= since && Number(c.params.chat_id) === WEBHOOK_PAYER && String(c.params.text).startsWith('+1000 credits'));
    t.diagnostic(`webhook updates raced ${count}, answers ${statuses.length} (non-2xx ${statuses.filter((s) => s >= 300).length}), credited ${credited}, credits lost ${(count - credited) * 1000}`);
    assert.equal(after.balance, before.balance + count * 1000);
    assert.equal(after.ledgerSum, after.balance);
    assert.equal(notices.length, count);
  });
});
