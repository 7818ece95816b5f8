import type { Deps } from './deps.ts';
import type { JobDefinition } from './platform/jobs.ts';
import { cleanupActionLogJob } from './modules/audit/audit.jobs.ts';
import { sweepExpiredJob } from './modules/enforcement/enforcement.jobs.ts';
import { deleteMessageJob, refreshBotProfilesJob, verifyBotJob } from './modules/bots/bots.jobs.ts';
import { captchaExpireJob } from './modules/captcha/captcha.jobs.ts';
import { nightModeTickJob } from './modules/night-mode/night-mode.jobs.ts';
import { deliverWebhookJob } from './modules/webhooks/webhooks.jobs.ts';
import { cleanupAccessLogJob } from './modules/access-log/access-log.jobs.ts';
import { sendBroadcastJob } from './modules/broadcasts/broadcasts.jobs.ts';
import { dailyReportJob } from './modules/analytics/analytics.jobs.ts';
import { cleanupGenerationsJob, pollGenerationJob } from './modules/generations/generations.jobs.ts';
import { confirmPaymentJob } from './modules/payments/payments.jobs.ts';

/** Every module's job definitions, registered with the engine at start. */
export function jobDefinitions(deps: Deps): JobDefinition<any>[] {
  const { config, services, logger } = deps;
  return [
    sweepExpiredJob(services),
    cleanupActionLogJob(services, config.ACTION_LOG_RETENTION_DAYS),
    deleteMessageJob(services),
    verifyBotJob(services),
    refreshBotProfilesJob(services),
    captchaExpireJob(services),
    nightModeTickJob(services),
    cleanupAccessLogJob(services, config.ACCESS_LOG_RETENTION_DAYS),
    deliverWebhookJob(services, { maxAttempts: config.WEBHOOK_MAX_ATTEMPTS, retryDelaySeconds: config.WEBHOOK_RETRY_DELAY_SECONDS }),
    pollGenerationJob(services),
    cleanupGenerationsJob(services),
    sendBroadcastJob(services, config.BROADCAST_SLICE_SECONDS),
    dailyReportJob(services, { cron: config.DAILY_REPORT_CRON, timeZone: config.DAILY_REPORT_TIME_ZONE }),
    confirmPaymentJob(services, logger),
  ];
}
