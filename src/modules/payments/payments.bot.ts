import { Composer, type Context } from 'grammy';
import { UnfinishedUpdate } from '../../bot/unfinished-update.ts';
import { isRefusal } from '../../platform/errors.ts';
import { creditedNotice, type PaymentsService, type StarsPaymentReport } from './payments.service.ts';

/**
 * The bot side of Stars payments: answers pre-checkout queries and credits successful payments.
 * Telegram may deliver the same `successful_payment` twice; confirm() credits it once. A payment
 * that could not be credited is never acknowledged as handled (see UnfinishedUpdate).
 */
export function paymentsComposer<C extends Context>(payments: Pick<PaymentsService, 'answerPreCheckout' | 'confirm' | 'confirmLater'>): Composer<C> {
  const composer = new Composer<C>();
  composer.on('pre_checkout_query', async (ctx) => {
    await payments.answerPreCheckout(ctx.me.id, ctx.preCheckoutQuery);
  });
  composer.on('message:successful_payment', async (ctx) => {
    const paid = ctx.message.successful_payment;
    const report: StarsPaymentReport = {
      telegram_id: ctx.from.id,
      telegram_payment_charge_id: paid.telegram_payment_charge_id,
      provider_payment_charge_id: paid.provider_payment_charge_id,
      total_amount: paid.total_amount,
      invoice_payload: paid.invoice_payload,
      currency: paid.currency,
    };
    let result;
    try {
      result = await payments.confirm(ctx.me.id, report);
    } catch (err) {
      // A refusal would be refused again; anything else leaves Stars taken and no credits given.
      if (isRefusal(err)) throw err;
      throw new UnfinishedUpdate(err, () => payments.confirmLater({ bot_id: ctx.me.id, chat_id: ctx.chat.id, report }));
    }
    if (!result.replayed) await ctx.reply(creditedNotice(result));
  });
  return composer;
}
