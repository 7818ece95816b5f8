import { defineJob, type JobRef } from '../../platform/jobs.ts';
import type { Services } from '../../deps.ts';

export interface SendSlicePayload {
  broadcast_id: number;
}

export const BROADCAST_SEND: JobRef<SendSlicePayload> = { name: 'broadcasts.send', version: 1 };

/** Sends a slice of a broadcast and queues the next; a dead worker's slice is retried after its heartbeat stops. */
export const sendBroadcastJob = (services: Services, sliceSeconds: number) =>
  defineJob<SendSlicePayload>({
    ...BROADCAST_SEND,
    retryLimit: 10,
    retryDelay: 2,
    retryDelayMax: 60,
    heartbeatSeconds: 10,
    expireInSeconds: sliceSeconds + 120,
    localConcurrency: 4,
    pollingIntervalSeconds: 0.5,
    handle: async ({ broadcast_id }) => services.broadcasts.sendSlice(broadcast_id),
  });
