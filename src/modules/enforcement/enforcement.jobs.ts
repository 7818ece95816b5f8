import { defineJob } from '../../platform/jobs.ts';
import type { Services } from '../../deps.ts';

/** Writes `<kind>_expired` entries for timed actions that ran out, and lifts expired lockdowns. */
export const sweepExpiredJob = (services: Services) =>
  defineJob({
    name: 'enforcement.sweep-expired',
    version: 1,
    cron: '* * * * *',
    retryLimit: 0,
    handle: async () => {
      await services.enforcement.sweepExpired();
    },
  });
