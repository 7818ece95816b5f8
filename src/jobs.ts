import type { Deps } from './deps.ts';
import type { JobDefinition } from './platform/jobs.ts';
import { cleanupActionLogJob } from './modules/audit/audit.jobs.ts';
import { sweepExpiredJob } from './modules/enforcement/enforcement.jobs.ts';
import { sendBroadcastJob } from './modules/broadcasts/broadcasts.jobs.ts';
import { cleanupGenerationsJob, pollGenerationJob } from './modules/generations/generations.jobs.ts';

/** Every module's job definitions, registered with the engine at start. */
export function jobDefinitions(deps: Deps): JobDefinition<any>[] {
  return [
    sweepExpiredJob(deps.services),
    cleanupActionLogJob(deps.services, deps.config.ACTION_LOG_RETENTION_DAYS),
    pollGenerationJob(deps.services),
    cleanupGenerationsJob(deps.services),
    sendBroadcastJob(deps.services, deps.config.BROADCAST_SLICE_SECONDS),
  ];
}
