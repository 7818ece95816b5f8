import { defineJob } from '../../platform/jobs.ts';
import type { Services } from '../../deps.ts';

/** Removes access-log entries older than ACCESS_LOG_RETENTION_DAYS. */
export const cleanupAccessLogJob = (services: Services, retentionDays: number) =>
  defineJob({
    name: 'access-log.cleanup',
    version: 1,
    cron: '23 * * * *',
    retryLimit: 2,
    handle: async () => {
      await services.accessLog.removeOlderThan(retentionDays);
    },
  });
