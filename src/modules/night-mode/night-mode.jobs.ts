import { defineJob } from '../../platform/jobs.ts';
import type { Services } from '../../deps.ts';

/** Every minute: starts the night mode of groups whose scheduled night has begun. */
export const nightModeTickJob = (services: Pick<Services, 'nightMode'>) =>
  defineJob({
    name: 'night-mode.tick',
    version: 1,
    cron: '* * * * *',
    retryLimit: 0,
    handle: async () => {
      await services.nightMode.tick();
    },
  });
