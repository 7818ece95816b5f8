import { defineJob, type JobRef } from '../../platform/jobs.ts';
import { isRefusal } from '../../platform/errors.ts';
import type { Logger } from 'pino';
import type { Services } from '../../deps.ts';
import type { ConfirmRetry } from './payments.service.ts';

export const PAYMENT_CONFIRM: JobRef<ConfirmRetry> = { name: 'payments.confirm', version: 1 };

/**
 * Credits a successful_payment the bot could not credit when it arrived (enqueued by the bot's
 * error boundary). The payer's Stars are already gone, so it keeps trying for about a day.
 */
export const confirmPaymentJob = (services: Pick<Services, 'payments'>, logger: Logger) =>
  defineJob<ConfirmRetry>({
    ...PAYMENT_CONFIRM,
    // 5 s doubling to 15 min: 5 + 10 + … + 640 s, then every 15 min, ~24 h over 100 tries.
    retryLimit: 100,
    retryDelay: 5,
    retryDelayMax: 900,
    handle: async (retry) => {
      try {
        await services.payments.confirmRetry(retry);
      } catch (err) {
        // A refusal (a foreign invoice, a charge confirmed for someone else) would be refused again.
        if (!isRefusal(err)) throw err;
        logger.warn({ code: err.code, message: err.message, bot_id: retry.bot_id, charge: retry.report.telegram_payment_charge_id }, 'payment retry refused');
      }
    },
  });
