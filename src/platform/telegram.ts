import { Api, GrammyError, HttpError } from 'grammy';
import { autoRetry } from '@grammyjs/auto-retry';
import { AppError } from './errors.ts';

export interface TelegramOptions {
  apiRoot: string;
  timeoutSeconds: number;
  maxRetryAfterSeconds: number;
}

/**
 * A Bot API client for one token: grammY's `Api` with its API root configurable (tests point it
 * at the local emulator), a timeout, and auto-retry that honors `retry_after` on 429 and backs
 * off on 5xx.
 */
export function createTelegramApi(token: string, options: TelegramOptions, retry = true): Api {
  const api = new Api(token, { apiRoot: options.apiRoot, timeoutSeconds: options.timeoutSeconds });
  // Bulk senders (broadcasts) handle 429 themselves: one retry_after must pause every send of the bot.
  if (retry) installRetry(api, options);
  return api;
}

/** Retries 429s after Telegram's `retry_after` (up to `maxRetryAfterSeconds`) and 5xx with backoff. */
export function installRetry(api: Api, options: Pick<TelegramOptions, 'maxRetryAfterSeconds'>): void {
  api.config.use(autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: options.maxRetryAfterSeconds }));
}

/**
 * Maps a Bot API failure to an AppError at the edge, keeping the original as `cause`.
 * Telegram refusing (4xx) becomes 422 with Telegram's description; unreachable becomes 502.
 */
export function telegramError(err: unknown): AppError {
  if (err instanceof GrammyError) {
    return new AppError('TELEGRAM_REFUSED', {
      message: err.description,
      status: err.error_code === 429 ? 503 : 422,
      details: { telegram_error_code: err.error_code, method: err.method },
      cause: err,
    });
  }
  if (err instanceof HttpError) {
    return new AppError('TELEGRAM_UNAVAILABLE', { message: `Telegram unreachable: ${err.message}`, status: 502, cause: err });
  }
  if (err instanceof AppError) return err;
  return new AppError('TELEGRAM_UNAVAILABLE', { message: 'Telegram call failed', status: 502, cause: err });
}
