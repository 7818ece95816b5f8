import { defineJob, type JobRef } from '../../platform/jobs.ts';
import type { Services } from '../../deps.ts';

export interface DailyReportPayload {
  /** YYYY-MM-DD; the cron run leaves it out and gets yesterday. */
  date?: string;
}

export const DAILY_REPORT: JobRef<DailyReportPayload> = { name: 'analytics.daily-report', version: 1 };

/** Yesterday's figures of every bot to its admins, on the configured schedule. */
export const dailyReportJob = (services: Services, schedule: { cron: string; timeZone: string }) =>
  defineJob<DailyReportPayload>({
    ...DAILY_REPORT,
    cron: schedule.cron,
    cronTimeZone: schedule.timeZone,
    // The service never throws for a refused delivery; a retry after a crash could repeat reports, so one only.
    retryLimit: 1,
    handle: async ({ date }) => void (await services.dailyReport.send(date)),
  });
