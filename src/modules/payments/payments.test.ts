import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Bot } from 'grammy';
import { buildTestApp, type TestApp } from '../../../test/app.ts';
import { startTelegramEmulator, type TelegramEmulator } from '../../../test/telegram-emulator.ts';
import { miniAppInitData } from '../../../test/telegram-auth.ts';
import { checkoutComposer, paymentsComposer } from './payments.bot.ts';

const BOT = { id: 7100001, token: '7100001:PAYPAYPAYPAYPAYPAYPAYPAYPAYPAYPAYPA' };
const OTHER_BOT = { id: 7100002, token: '7100002:OTHEROTHEROTHEROTHEROTHEROTHEROTHE' };
const REFERRER = 8_000_000_001;
const PAYER = 8_000_000_002;

describe('Telegram Stars payments', () => {
  let t: TestApp;
  let emu: TelegramEmulator;
  let botKey: string;
  const inject = (method: string, url: string, headers: Record<string, string>, payload?: unknown) =>
    t.app.inject({ method: method as 'GET', url, headers, payload: payload as object });
  const asMiniApp = (telegramId: number) => ({ 'x-telegram-init-data': miniAppInitData(BOT.token, { id: telegramId }) });
  const asBot = () => ({ authorization: `Bearer ${botKey}` });
  const confirmBody = (charge: string, stars = 70, telegramId = PAYER) => ({
    telegram_id: telegramId,
    telegram_payment_charge_id: charge,
    total_amount: stars,
    invoice_payload: `stars:stars_${stars}:${telegramId}`,
    currency: 'XTR',
  });

  before(async () => {
    emu = await startTelegramEmulator();
    t = await buildTestApp({ TELEGRAM_API_ROOT: emu.apiRoot });
    for (const bot of [BOT, OTHER_BOT]) assert.equal((await inject('POST', '/api/v2/bots', t.auth, { token: bot.token, admin_ids: [1], ref_percent: 10 })).statusCode, 201);
    const key = await inject('POST', '/api/v2/keys', t.auth, { name: 'pay-bot', scope: 'bot', bot_id: BOT.id, access: 'write' });
    assert.equal(key.statusCode, 201, key.body);
    botKey = key.json().data.key;
    const referrer = await inject('POST', '/api/v1/users/sync', asMiniApp(REFERRER), { telegram_id: REFERRER });
    await inject('POST', '/api/v1/users/sync', asMiniApp(PAYER), { telegram_id: PAYER, start_param: `ref_${referrer.json().user.referral_code}` });
  });
  after(async () => {
    await t.close();
    await emu.close();
  });

  it('should list Stars options at 70 stars = 1000 credits', async () => {
    const res = await inject('GET', '/api/v1/payments/stars/options', asMiniApp(PAYER));
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json().rate, { stars: 70, credits: 1000 });
    assert.deepEqual(res.json().options[0], { id: 'stars_70', stars: 70, credits: 1000 });
    assert.equal(res.json().options.find((o: { stars: number }) => o.stars === 350).credits, 5000);
  });

  it('should create an XTR invoice link through the Bot API', async () => {
    const res = await inject('POST', '/api/v1/payments/stars/invoice', asMiniApp(PAYER), { telegram_id: PAYER, option_id: 'stars_70' });
    assert.equal(res.statusCode, 200, res.body);
    assert.match(res.json().invoice_link, /^https:\/\/t\.me\/\$invoice-/);
    const call = emu.lastCall('createInvoiceLink')!;
    assert.equal(call.params.currency, 'XTR');
    assert.equal(call.params.payload, `stars:stars_70:${PAYER}`);
    assert.deepEqual(call.params.prices, [{ label: '1000 credits', amount: 70 }]);
    const foreign = await inject('POST', '/api/v1/payments/stars/invoice', asMiniApp(PAYER), { telegram_id: REFERRER, option_id: 'stars_70' });
    assert.equal(foreign.statusCode, 403);
  });

  it('should credit a confirmed payment once, pay the referrer 10% rounded up, and replay the original result', async () => {
    const first = await inject('POST', '/api/v1/payments/stars/confirm', asBot(), confirmBody('charge-1', 70));
    assert.equal(first.statusCode, 200, first.body);
    assert.equal(first.json().credits, 1000);
    assert.equal(first.json().balance, 1000);
    assert.equal(first.json().referral_bonus, 100);
    assert.equal(first.json().replayed, false);
    const replay = await inject('POST', '/api/v1/payments/stars/confirm', asBot(), confirmBody('charge-1', 70));
    assert.equal(replay.statusCode, 200);
    assert.deepEqual({ ...(replay.json() as object), replayed: false }, first.json());
    assert.equal(replay.json().replayed, true);
    const parallel = await Promise.all(Array.from({ length: 8 }, () => inject('POST', '/api/v1/payments/stars/confirm', asBot(), confirmBody('charge-2', 140))));
    assert.equal(parallel.filter((r) => r.json().replayed === false).length, 1);
    assert.ok(parallel.every((r) => r.statusCode === 200 && r.json().credits === 2000));
    const { users, ledger } = t.deps.services;
    const payer = await users.require(BOT.id, PAYER);
    const referrer = await users.require(BOT.id, REFERRER);
    assert.equal(payer.balance, 3000);
    assert.equal(await ledger.ledgerSum(payer.id), 3000);
    assert.equal(referrer.balance, 300);
    // 10% of 1 credit rounds up to 1.
    assert.equal(t.deps.services.payments.creditsFor(1), 14);
  });

  it('should refuse confirms from a Mini App user, another bot’s key, or for a foreign invoice', async () => {
    assert.equal((await inject('POST', '/api/v1/payments/stars/confirm', asMiniApp(PAYER), confirmBody('charge-x'))).statusCode, 403);
    assert.equal((await inject('POST', '/api/v1/payments/stars/confirm', asBot(), { ...confirmBody('charge-x'), bot_id: OTHER_BOT.id })).statusCode, 403);
    const foreign = await inject('POST', '/api/v1/payments/stars/confirm', asBot(), { ...confirmBody('charge-x'), invoice_payload: `stars:stars_70:${REFERRER}` });
    assert.equal(foreign.statusCode, 422);
    assert.equal((await inject('POST', '/api/v1/payments/stars/confirm', asBot(), { ...confirmBody('charge-y'), currency: 'USD' })).statusCode, 422);
    assert.equal((await inject('POST', '/api/v1/payments/stars/confirm', {}, confirmBody('charge-x'))).statusCode, 401);
  });

  it('should answer pre-checkout queries and credit successful_payment updates through the bot', async () => {
    const bot = new Bot(BOT.token, { client: { apiRoot: emu.apiRoot } });
    await bot.init();
    bot.use(checkoutComposer(t.deps.services.payments), paymentsComposer(t.deps.services.payments));
    const good = emu.preCheckoutQuery(BOT.token, { from: PAYER, total_amount: 70, invoice_payload: `stars:stars_70:${PAYER}` });
    await bot.handleUpdate(good as never);
    const okCall = emu.lastCall('answerPreCheckoutQuery')!;
    assert.equal(okCall.params.ok, true);
    const stale = emu.preCheckoutQuery(BOT.token, { from: PAYER, total_amount: 71, invoice_payload: `stars:stars_70:${PAYER}` });
    await bot.handleUpdate(stale as never);
    const refused = emu.lastCall('answerPreCheckoutQuery')!;
    assert.equal(refused.params.ok, false);
    assert.match(String(refused.params.error_message), /offer has changed/);

    const paid = emu.successfulPayment(BOT.token, { from: PAYER, total_amount: 70, invoice_payload: `stars:stars_70:${PAYER}`, telegram_payment_charge_id: 'charge-bot-1' });
    await bot.handleUpdate(paid as never);
    await bot.handleUpdate(paid as never);
    const payer = await t.deps.services.users.require(BOT.id, PAYER);
    assert.equal(payer.balance, 4000);
    assert.equal(emu.callsTo('sendMessage').filter((c) => String(c.params.text).startsWith('+1000 credits')).length, 1);
  });

  it('should refund through refundStarPayment, reverse the credits and the referral bonus, once', async () => {
    const { payments, users } = t.deps.services;
    const payment = (await payments.repo.findByCharge(BOT.id, 'charge-1'))!;
    const res = await inject('POST', `/api/v1/admin/payments/${payment.id}/refund`, t.auth, { reason: 'asked nicely' });
    // The bootstrap key names no bot.
    assert.equal(res.statusCode, 400);
    const refunded = await inject('POST', `/api/v1/admin/payments/${payment.id}/refund?bot_id=${BOT.id}`, asBot(), { reason: 'asked nicely' });
    assert.equal(refunded.statusCode, 200, refunded.body);
    assert.equal(refunded.json().status, 'REFUNDED');
    const call = emu.lastCall('refundStarPayment')!;
    assert.equal(call.params.telegram_payment_charge_id, 'charge-1');
    assert.equal(Number(call.params.user_id), PAYER);
    assert.equal((await users.require(BOT.id, PAYER)).balance, 3000);
    assert.equal((await users.require(BOT.id, REFERRER)).balance, 300);
    const again = await inject('POST', `/api/v1/admin/payments/${payment.id}/refund?bot_id=${BOT.id}`, asBot(), {});
    assert.equal(again.statusCode, 200);
    assert.equal(emu.callsTo('refundStarPayment').length, 1);
    const replay = await inject('POST', '/api/v1/payments/stars/confirm', asBot(), confirmBody('charge-1', 70));
    assert.equal(replay.json().status, 'REFUNDED');
    assert.equal((await users.require(BOT.id, PAYER)).balance, 3000);
  });

  it('should roll the refund back when Telegram refuses it', async () => {
    const { payments, users } = t.deps.services;
    const payment = (await payments.repo.findByCharge(BOT.id, 'charge-2'))!;
    emu.failNext('refundStarPayment', { error_code: 400, description: 'Bad Request: CHARGE_NOT_FOUND' });
    const res = await inject('POST', `/api/v1/admin/payments/${payment.id}/refund`, asBot(), {});
    assert.equal(res.statusCode, 422);
    assert.equal((await payments.repo.findByCharge(BOT.id, 'charge-2'))!.status, 'PAID');
    assert.equal((await users.require(BOT.id, PAYER)).balance, 3000);
  });

  it('should refuse a refund whose credits were already spent', async () => {
    const { payments, users, ledger } = t.deps.services;
    const payer = await users.require(BOT.id, PAYER);
    await ledger.spend(payer.id, 2500, 'generation', 'spend-before-refund');
    const payment = (await payments.repo.findByCharge(BOT.id, 'charge-2'))!;
    const res = await inject('POST', `/api/v1/admin/payments/${payment.id}/refund`, asBot(), {});
    assert.equal(res.statusCode, 402);
    assert.equal(res.json().code, 'INSUFFICIENT_CREDITS');
    assert.equal((await users.require(BOT.id, PAYER)).balance, 500);
  });
});
