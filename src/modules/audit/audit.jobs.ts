import { defineJob } from '../../platform/jobs.ts';
import type { Services } from '../../deps.ts';

/** Removes action-log entries older than the retention window (ACTION_LOG_RETENTION_DAYS). */
export const cleanupActionLogJob = (services: Services, retentionDays: number) =>
  defineJob({
    name: 'audit.cleanup',
    version: 1,
    cron: '17 * * * *',
    retryLimit: 2,
    handle: async () => {
      await services.audit.removeOlderThan(retentionDays);
    },
  });
