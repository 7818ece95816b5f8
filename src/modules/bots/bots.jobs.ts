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

export interface VerifyBotPayload {
  bot_id: number;
}

export const VERIFY_BOT: JobRef<VerifyBotPayload> = { name: 'bots.verify', version: 1 };

/**
 * Asks Telegram about a bot registered while it was unreachable. Retries with backoff (2 s
 * doubling to 5 min, about a day in all) until Telegram answers; a refusal is stored, not retried.
 */
export const verifyBotJob = (services: Pick<Services, 'bots'>) =>
  defineJob<VerifyBotPayload>({
    ...VERIFY_BOT,
    retryLimit: 300,
    retryDelay: 2,
    retryDelayMax: 300,
    handle: async ({ bot_id }) => void (await services.bots.verify(bot_id)),
  });

/** Keeps usernames and names fresh (a bot renamed in @BotFather) and notices revoked tokens. */
export const refreshBotProfilesJob = (services: Pick<Services, 'bots'>) =>
  defineJob({
    name: 'bots.refresh-profiles',
    version: 1,
    cron: '41 */6 * * *',
    retryLimit: 1,
    handle: async () => {
      await services.bots.verifyAll();
    },
  });
