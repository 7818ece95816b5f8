import { defineJob, type JobRef } from '../../platform/jobs.ts';
import type { Services } from '../../deps.ts';

export interface DeleteMessagePayload {
  bot_id: number;
  chat_id: number;
  message_id: number;
}

export const DELETE_MESSAGE: JobRef<DeleteMessagePayload> = { name: 'bots.delete-message', version: 1 };

/** Deletes a bot's message later (auto-deleted welcome messages); survives restarts. */
export const deleteMessageJob = (services: Pick<Services, 'bots'>) =>
  defineJob<DeleteMessagePayload>({
    ...DELETE_MESSAGE,
    retryLimit: 2,
    handle: async ({ bot_id, chat_id, message_id }) => {
      const api = await services.bots.apiFor(bot_id);
      // Already gone (deleted by an admin) is the outcome we wanted.
      await api?.deleteMessage(chat_id, message_id).catch(() => undefined);
    },
  });
