import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { BOT_ID, BOT_TOKEN, startTestBot, type TestBot } from '../../../test/bot.ts';
import { buildApp } from '../../app.ts';
import { rowsOf } from '../../db/rows.ts';

/*
 * A payment the database fails to credit. The failures are real database errors, raised by a
 * constraint or trigger added for the test: a deadlock or serialization failure (retried in
 * the transaction), and a write that keeps failing until the fault is removed (the update must
 * not be acknowledged: Telegram redelivers a webhook update, long polling hands it to a job).
 */
const PAYER = 8_400_000_001;

/** Payments whose charge id starts with `fault-` cannot be stored until `heal`. */
async function breakPayments(b: TestBot) {
  await b.t.deps.database.db.execute(sql`alter table payments add constraint payments_test_fault check (telegram_payment_charge_id not like 'fault-%')`);
  return { heal: () => b.t.deps.database.db.execute(sql`alter table payments drop constraint payments_test_fault`) };
}

const successfulPayment = (updateId: number, charge: string) => ({
  update_id: updateId,
  message: {
    message_id: updateId,
    date: Math.floor(Date.now() / 1000),
    chat: { id: PAYER, type: 'private', first_name: 'Payer' },
    from: { id: PAYER, is_bot: false, first_name: 'Payer' },
    successful_payment: { currency: 'XTR', total_amount: 70, invoice_payload: `stars:stars_70:${PAYER}`, telegram_payment_charge_id: charge, provider_payment_charge_id: '' },
  },
});

async function payer(b: TestBot) {
  const { users, ledger } = b.t.deps.services;
  const user = await users.require(BOT_ID, PAYER);
  return { balance: user.balance, ledgerSum: await ledger.ledgerSum(user.id) };
}

const notices = (b: TestBot, since: number) =>
  b.emu.callsTo('sendMessage').filter((c) => c.index >= since && Number(c.params.chat_id) === PAYER && String(c.params.text).startsWith('+1000 credits'));

describe('a payment through the webhook when the database fails', () => {
  let b: TestBot;
  let hook: FastifyInstance;
  let url: string;
  const post = (update: object) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': b.runner.secretFor(BOT_ID) }, body: JSON.stringify(update) });

  before(async () => {
    b = await startTestBot({ BOT_MODE: 'webhook', BOT_WEBHOOK_URL: 'http://127.0.0.1:1', BOT_WEBHOOK_SECRET: 'webhook-secret-0123456789' });
    await b.t.deps.services.users.sync(BOT_ID, { telegram_id: PAYER });
    hook = await buildApp(b.t.deps, { botRunner: b.runner });
    await hook.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(hook.server.address() as AddressInfo).port}/telegram/${BOT_ID}`;
  });
  after(async () => {
    await hook.close();
    await b.close();
  });

  it('should retry a transaction PostgreSQL aborts for a serialization failure or a deadlock, and credit once', async () => {
    const { db } = b.t.deps.database;
    await db.execute(sql`create sequence payments_test_conflicts`);
    await db.execute(sql.raw(`create function payments_test_conflict() returns trigger language plpgsql as $$
      declare n bigint := nextval('payments_test_conflicts');
      begin
        if n = 1 then raise exception 'injected serialization failure' using errcode = '40001'; end if;
        if n = 2 then raise exception 'injected deadlock' using errcode = '40P01'; end if;
        return new;
      end $$`));
    await db.execute(sql`create trigger payments_test_conflict before insert on payments for each row when (new.telegram_payment_charge_id like 'conflict-%') execute function payments_test_conflict()`);
    try {
      const before = await payer(b);
      const since = b.emu.calls.length;
      const res = await post(successfulPayment(900, 'conflict-1'));
      assert.equal(res.status, 200);
      const after = await payer(b);
      assert.equal(after.balance, before.balance + 1000);
      assert.equal(after.ledgerSum, after.balance);
      assert.equal(notices(b, since).length, 1);
      const http = await b.t.call('POST', '/api/v1/payments/stars/confirm', { bot_id: BOT_ID, telegram_id: PAYER, telegram_payment_charge_id: 'conflict-1', total_amount: 70, invoice_payload: `stars:stars_70:${PAYER}` });
      assert.equal(http.json().replayed, true);
      // Two aborted attempts, the one that went through, and this look.
      assert.equal(Number(rowsOf(await db.execute(sql`select nextval('payments_test_conflicts') as n`))[0].n), 4);
    } finally {
      await db.execute(sql`drop trigger payments_test_conflict on payments`);
    }
  });

  it('should answer non-2xx while the credit fails, so that Telegram redelivers, and credit the redelivery once', async () => {
    const before = await payer(b);
    const since = b.emu.calls.length;
    const fault = await breakPayments(b);
    const update = successfulPayment(901, 'fault-webhook-1');
    let first: Response;
    try {
      first = await post(update);
      assert.equal((await post(update)).status, first.status, 'a redelivery while the fault lasts is not acknowledged either');
    } finally {
      await fault.heal();
    }
    assert.ok(first.status >= 500, `answered ${first.status}`);
    assert.equal((await payer(b)).balance, before.balance);
    const again = await post(update);
    assert.equal(again.status, 200);
    const after = await payer(b);
    assert.equal(after.balance, before.balance + 1000);
    assert.equal(after.ledgerSum, after.balance);
    assert.equal((await post(update)).status, 200);
    // The durable retry the failure also queued and the redelivery credit it once between them.
    assert.equal(notices(b, since).length, 1);
  });
});

describe('a payment through long polling when the database fails', () => {
  let b: TestBot;

  before(async () => {
    b = await startTestBot();
    await b.t.deps.services.users.sync(BOT_ID, { telegram_id: PAYER });
  });
  after(async () => b.close());

  it('should hand the payment to a durable job that credits it once the database recovers', async () => {
    const before = await payer(b);
    const since = b.emu.calls.length;
    const fault = await breakPayments(b);
    try {
      b.emu.successfulPayment(BOT_TOKEN, { from: PAYER, total_amount: 70, invoice_payload: `stars:stars_70:${PAYER}`, telegram_payment_charge_id: 'fault-poll-1' });
      // Long polling moves past the update at once; its credit must not go with it.
      await b.emu.waitForCall('getUpdates', (c) => Number(c.params.offset) > 0, { since, timeoutMs: 10_000 });
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal((await payer(b)).balance, before.balance);
    } finally {
      await fault.heal();
    }
    const deadline = Date.now() + 60_000;
    while ((await payer(b)).balance === before.balance && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    const after = await payer(b);
    assert.equal(after.balance, before.balance + 1000);
    assert.equal(after.ledgerSum, after.balance);
    const notice = await b.waitFor('sendMessage', (c) => Number(c.params.chat_id) === PAYER && String(c.params.text).startsWith('+1000 credits'), { since, timeoutMs: 5000 });
    assert.match(String(notice.params.text), /Balance: 1000$/);
    assert.equal(notices(b, since).length, 1);
  });
});
