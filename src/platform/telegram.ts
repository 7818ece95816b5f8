import { Api, GrammyError, HttpError, type Transformer } from 'grammy';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { AppError } from './errors.ts';

export interface TelegramOptions {
  apiRoot: string;
  /** Longest wait for one answer; a long poll (`getUpdates` with `timeout`) gets its own timeout on top. */
  timeoutSeconds: number;
  /** Longest retry_after (seconds) waited inside one call before giving up. */
  maxRetryAfterSeconds: number;
  /** Longest time one call may take, every attempt and wait included. */
  deadlineSeconds: number;
  /** Attempts per call at most (unreachable, 5xx, 429). */
  maxAttempts: number;
  /** This process's record of Telegram calls: reachability per bot, and aborting them all at shutdown. */
  calls?: TelegramCalls;
}

/** The Bot API options from the config, shared by every client this process creates. */
export function telegramOptions(config: Config, calls?: TelegramCalls): TelegramOptions {
  return {
    apiRoot: config.TELEGRAM_API_ROOT,
    timeoutSeconds: config.TELEGRAM_TIMEOUT_SECONDS,
    maxRetryAfterSeconds: config.TELEGRAM_MAX_RETRY_AFTER,
    deadlineSeconds: config.TELEGRAM_DEADLINE_SECONDS,
    maxAttempts: config.TELEGRAM_MAX_ATTEMPTS,
    calls,
  };
}

/** What /health tells about one bot's link to Telegram, from calls already made (never a live call). */
export interface TelegramReachability {
  bot_id: number;
  /** False when the last call got no answer (timeout, refused, 5xx). */
  reachable: boolean;
  last_ok_at: string | null;
  last_error_at: string | null;
  last_error: string | null;
}

/**
 * Every Bot API call of this process goes through here: it remembers per bot when Telegram last
 * answered and when it last failed to (so /health reports reachability without calling Telegram),
 * and aborts every call in progress at shutdown, so nothing waits out a timeout on the way down.
 */
export class TelegramCalls {
  private readonly bots = new Map<number, TelegramReachability>();
  private readonly shutdown = new AbortController();

  constructor(private readonly logger?: Logger) {}

  /** Aborted by `abortAll()`: calls in progress fail at once, later ones fail without trying. */
  get signal(): AbortSignal {
    return this.shutdown.signal;
  }

  answered(botId: number): void {
    const state = this.of(botId);
    if (!state.reachable) this.logger?.info({ bot_id: botId }, 'Telegram reachable again');
    state.reachable = true;
    state.last_ok_at = new Date().toISOString();
  }

  failed(botId: number, error: string): void {
    const state = this.of(botId);
    // Once per outage, not once per retry.
    if (state.reachable) this.logger?.warn({ bot_id: botId, error }, 'Telegram unreachable');
    state.reachable = false;
    state.last_error_at = new Date().toISOString();
    state.last_error = error;
  }

  /** Per bot, in bot id order. */
  reachability(): TelegramReachability[] {
    return [...this.bots.values()].sort((a, b) => a.bot_id - b.bot_id).map((s) => ({ ...s }));
  }

  abortAll(): void {
    this.shutdown.abort();
  }

  private of(botId: number): TelegramReachability {
    let state = this.bots.get(botId);
    if (!state) {
      state = { bot_id: botId, reachable: true, last_ok_at: null, last_error_at: null, last_error: null };
      this.bots.set(botId, state);
    }
    return state;
  }
}

/**
 * A Bot API client for one token: grammY's `Api` with its API root configurable (tests point it
 * at the local emulator) and every call bounded in time (see `boundCalls`). Without `retry` a call
 * is tried once and a 429 is handed back: bulk senders (broadcasts) pause every send of the bot.
 */
export function createTelegramApi(token: string, options: TelegramOptions, retry = true): Api {
  const api = new Api(token, { apiRoot: options.apiRoot, timeoutSeconds: CLIENT_BACKSTOP_SECONDS });
  boundCalls(api, token, options, retry);
  return api;
}

/**
 * grammY's own client timeout is one number for every method, which would cut long polls short;
 * `boundCalls` times each attempt, so the client's timeout is only a backstop above all of them.
 */
export const CLIENT_BACKSTOP_SECONDS = 600;
/** Telegram answers a long poll when its `timeout` runs out; this much more covers the way back. */
const LONG_POLL_GRACE_SECONDS = 5;
/** Methods whose retry after a lost answer cannot double anything (sends could arrive twice). */
const NOT_REPEATABLE = /^(send|copy|forward|create|answer|edit|stop|refund|post)/;

/**
 * Bounds every call of `api` in time: each attempt gets `timeoutSeconds` (a long poll its `timeout`
 * plus a few seconds), and the whole call, retries and waits included, `deadlineSeconds`. With
 * `retry`, a call that got no answer (network error, timeout, 5xx) is retried with backoff, and a
 * 429 waits its `retry_after` — both only while the deadline allows and at most `maxAttempts`
 * times; a send whose answer was lost is not retried, it may have arrived. Long polls are never
 * retried here: the poller polls again. Outcomes are recorded in `options.calls`.
 *
 * @example
 * const bot = new Bot(token, { client: { apiRoot, timeoutSeconds: CLIENT_BACKSTOP_SECONDS } });
 * boundCalls(bot.api, token, telegramOptions(config, deps.telegram));
 */
export function boundCalls(api: Api, token: string, options: TelegramOptions, retry = true): void {
  const botId = Number(token.split(':')[0]);
  const { calls } = options;
  type Answer = { ok: true } | { ok: false; error_code: number; description: string; parameters?: { retry_after?: number } };
  // grammY types the signal as its polyfill's and the answer per method; here both are handled generically.
  const transformer = async (prev: (method: string, payload: unknown, signal?: AbortSignal) => Promise<Answer>, method: string, payload: unknown, signal?: AbortSignal): Promise<Answer> => {
    const longPoll = method === 'getUpdates' ? Number((payload as { timeout?: number }).timeout ?? 0) : 0;
    const deadline = Date.now() + (longPoll + options.deadlineSeconds) * 1000;
    const maxAttempts = retry && longPoll === 0 ? options.maxAttempts : 1;
    for (let attempt = 1; ; attempt++) {
      const remainingMs = deadline - Date.now();
      const limitMs = longPoll > 0 ? (longPoll + LONG_POLL_GRACE_SECONDS) * 1000 : Math.min(options.timeoutSeconds * 1000, remainingMs);
      let answer: Answer;
      let timedOut = false;
      try {
        answer = await attemptWithin(limitMs, () => (timedOut = true), (attemptSignal) => prev(method, payload, attemptSignal), [signal, calls?.signal]);
      } catch (err) {
        if (signal?.aborted || calls?.signal.aborted) throw err;
        const error = err instanceof HttpError ? err : new HttpError(`Network request for '${method}' failed`, err);
        calls?.failed(botId, error.message);
        const repeatable = !timedOut || !NOT_REPEATABLE.test(method);
        if (!repeatable || attempt >= maxAttempts || !(await pauseWithin(backoffMs(attempt), deadline, signal, calls?.signal))) throw error;
        continue;
      }
      if (answer.ok || answer.error_code < 500) calls?.answered(botId);
      else calls?.failed(botId, `${answer.error_code}: ${answer.description}`);
      if (answer.ok || !retry || attempt >= maxAttempts) return answer;
      if (answer.error_code === 429) {
        const waitSeconds = answer.parameters?.retry_after ?? 1;
        if (waitSeconds > options.maxRetryAfterSeconds || !(await pauseWithin(waitSeconds * 1000, deadline, signal, calls?.signal))) return answer;
        continue;
      }
      if (answer.error_code < 500 || !(await pauseWithin(backoffMs(attempt), deadline, signal, calls?.signal))) return answer;
    }
  };
  api.config.use(transformer as unknown as Transformer);
}

/** 0.5 s, 1 s, 2 s, ... between attempts that got no answer. */
const backoffMs = (attempt: number): number => 500 * 2 ** (attempt - 1);

/** Runs one attempt, aborting it after `ms` or when any of `signals` aborts. */
async function attemptWithin<T>(ms: number, onTimeout: () => void, run: (signal: AbortSignal) => Promise<T>, signals: (AbortSignal | undefined)[]): Promise<T> {
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  const live = signals.filter((s): s is AbortSignal => s !== undefined);
  for (const s of live) {
    if (s.aborted) throw new HttpError('Telegram call aborted', new Error('aborted'));
    s.addEventListener('abort', abort);
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      controller.abort();
      reject(new HttpError(`Telegram did not answer within ${Math.round(ms / 100) / 10} s`, new Error('timeout')));
    }, Math.max(0, ms));
  });
  try {
    return await Promise.race([run(controller.signal), timeout]);
  } finally {
    clearTimeout(timer);
    for (const s of live) s.removeEventListener('abort', abort);
  }
}

/** Waits `ms` unless that would pass `deadline`; false when it would (or a signal aborted). */
async function pauseWithin(ms: number, deadline: number, ...signals: (AbortSignal | undefined)[]): Promise<boolean> {
  if (Date.now() + ms >= deadline) return false;
  const live = signals.filter((s): s is AbortSignal => s !== undefined);
  if (live.some((s) => s.aborted)) return false;
  return new Promise<boolean>((resolve) => {
    const done = (result: boolean) => () => {
      clearTimeout(timer);
      for (const s of live) s.removeEventListener('abort', onAbort);
      resolve(result);
    };
    const onAbort = done(false);
    const timer = setTimeout(done(true), ms);
    for (const s of live) s.addEventListener('abort', onAbort);
  });
}

/**
 * Maps a Bot API failure to an AppError at the edge, keeping the original as `cause`.
 * Telegram refusing (4xx) becomes 422 with Telegram's description (429: 503); Telegram
 * unreachable or failing (network error, timeout, 5xx) becomes 502 TELEGRAM_UNAVAILABLE.
 */
export function telegramError(err: unknown): AppError {
  if (err instanceof GrammyError) {
    if (err.error_code >= 500) {
      return new AppError('TELEGRAM_UNAVAILABLE', { message: `Telegram failed: ${err.description}`, status: 502, details: { telegram_error_code: err.error_code, method: err.method }, cause: err });
    }
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
