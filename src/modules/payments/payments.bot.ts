import { Composer, type Context } from 'grammy';
import type { PaymentsService } from './payments.service.ts';

/**
 * The bot side of Stars payments: answers pre-checkout queries and credits successful payments.
 * Telegram may deliver the same `successful_payment` twice; confirm() credits it once.
 */
export function paymentsComposer<C extends Context>(payments: Pick<PaymentsService, 'answerPreCheckout' | 'confirm'>): Composer<C> {
  const composer = new Composer<C>();
  composer.on('pre_checkout_query', async (ctx) => {
    await payments.answerPreCheckout(ctx.me.id, ctx.preCheckoutQuery);
  });
  composer.on('message:successful_payment', async (ctx) => {
    const paid = ctx.message.successful_payment;
    const result = await payments.confirm(ctx.me.id, {
      telegram_id: ctx.from.id,
      telegram_payment_charge_id: paid.telegram_payment_charge_id,
      provider_payment_charge_id: paid.provider_payment_charge_id,
      total_amount: paid.total_amount,
      invoice_payload: paid.invoice_payload,
      currency: paid.currency,
    });
    if (!result.replayed) await ctx.reply(`+${result.credits} credits. Balance: ${result.balance}`);
  });
  return composer;
}
