import { defineJob, type JobRef } from '../../platform/jobs.ts';
import type { Services } from '../../deps.ts';

export interface PollPayload {
  generation_id: string;
}

/** Enqueued by the service (after commit) with the generation id as singleton key. */
export const GENERATION_POLL: JobRef<PollPayload> = { name: 'generations.poll', version: 1 };

/** One look at a generation: submit, poll, finish; it schedules the next look itself. */
export const pollGenerationJob = (services: Services) =>
  defineJob<PollPayload>({
    ...GENERATION_POLL,
    // One queued poll per generation; a poll running while the next is queued is fine.
    policy: 'short',
    retryLimit: 5,
    retryDelay: 2,
    retryDelayMax: 60,
    expireInSeconds: 300,
    localConcurrency: 8,
    pollingIntervalSeconds: 0.5,
    handle: async ({ generation_id }) => services.generations.advance(generation_id),
  });

/** Hourly: generations whose polling was lost are failed and refunded; lost pushes are retried. */
export const cleanupGenerationsJob = (services: Services) =>
  defineJob({
    name: 'generations.cleanup-expired',
    version: 1,
    cron: '23 * * * *',
    retryLimit: 1,
    handle: async () => void (await services.generations.cleanupExpired()),
  });
