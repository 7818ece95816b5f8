import { defineJob } from '../../platform/jobs.ts';
import type { Services } from '../../deps.ts';

export const DELIVER_WEBHOOK = { name: 'webhooks.deliver', version: 1 } as const;

/** Sends one outbound webhook delivery; pg-boss retries it with exponential backoff. */
export const deliverWebhookJob = (services: Services, options: { maxAttempts: number; retryDelaySeconds: number }) =>
  defineJob<{ delivery_id: number }>({
    ...DELIVER_WEBHOOK,
    retryLimit: options.maxAttempts - 1,
    retryDelay: options.retryDelaySeconds,
    retryBackoff: true,
    handle: async ({ delivery_id }) => {
      await services.webhooks.deliver(delivery_id);
    },
  });
