import { Composer, type Context } from 'grammy';
import type { BotContext } from '../../bot/context.ts';
import { UnfinishedUpdate } from '../../bot/unfinished-update.ts';
import { isRefusal } from '../../platform/errors.ts';
import { creditedNotice, type PaymentsService, type StarsPaymentReport } from './payments.service.ts';

/** The bot side of a Stars checkout: answers pre-checkout queries (the payments switch gates it). */
export function checkoutComposer<C extends Context>(payments: Pick<PaymentsService, 'answerPreCheckout'>): Composer<C> {
  const composer = new Composer<C>();
  composer.on('pre_checkout_query', async (ctx) => {
    await payments.answerPreCheckout(ctx.me.id, ctx.preCheckoutQuery);
  });
  return composer;
}

/** With payments switched off a checkout is declined at once, rather than left to time out. */
export const declineCheckout = new Composer<BotContext>();
declineCheckout.on('pre_checkout_query', (ctx) => ctx.answerPreCheckoutQuery(false, { error_message: ctx.t('payments_off') }));

/**
 * Credits successful Stars payments. Never switched off: Telegram has taken the Stars by then.
 * Telegram may deliver the same `successful_payment` twice; confirm() credits it once. A payment
 * that could not be credited is never acknowledged as handled (see UnfinishedUpdate).
 */
export function paymentsComposer<C extends Context>(payments: Pick<PaymentsService, 'confirm' | 'confirmLater'>): Composer<C> {
  const composer = new Composer<C>();
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
