import { createHash, timingSafeEqual } from 'node:crypto';
import { GrammyError, HttpError, type Bot } from 'grammy';
import { run, type RunnerHandle } from '@grammyjs/runner';
import { ALLOWED_UPDATES, createBot } from './bot.ts';
import type { BotContext, BotDeps } from './context.ts';

/** Long-poll timeout: Telegram holds each getUpdates this long when there is nothing to deliver. */
export const POLL_TIMEOUT_SECONDS = 30;

/** The tokens of the bots to run: tgbase's active registered bots, or BOT_TOKENS for a bot process of its own. */
export type BotTokenSource = () => Promise<string[]>;

/** One bot the runner wants running: started, starting, or waiting to retry. */
interface BotSlot {
  token: string;
  bot?: Bot<BotContext>;
  poller?: RunnerHandle;
  /** Failed starts in a row; the next retry waits 2^failures seconds (capped). */
  failures: number;
  retryTimer?: NodeJS.Timeout;
  /** Set once the runner no longer wants this slot (bot disabled, re-keyed, runner stopped). */
  dropped: boolean;
}

/**
 * The bot role: one grammY bot per token, by long polling (default) or by webhook
 * (`BOT_MODE=webhook`: `setWebhook` with a per-bot `secret_token`; updates arrive at
 * `POST /telegram/<bot_id>`). Bots start and stop as soon as the bots service announces a
 * change (through Redis across processes), with a look every BOT_REFRESH_SECONDS as a fallback.
 * Each bot starts on its own: one that cannot start (Telegram unreachable, token revoked) is
 * logged and retried with backoff, without holding up the others.
 */
export class BotRunner {
  private readonly slots = new Map<number, BotSlot>();
  private refreshTimer?: NodeJS.Timeout;
  private unsubscribe?: () => void;
  private syncRunning?: Promise<Promise<void>[]>;
  private syncQueued?: Promise<Promise<void>[]>;
  private stopped = false;

  constructor(
    private readonly deps: BotDeps,
    private readonly tokens: BotTokenSource,
  ) {}

  get mode(): 'polling' | 'webhook' {
    return this.deps.config.BOT_MODE;
  }

  async start(): Promise<void> {
    if (this.mode === 'webhook' && (!this.deps.config.BOT_WEBHOOK_URL || !this.deps.config.BOT_WEBHOOK_SECRET)) {
      throw new Error('BOT_MODE=webhook needs BOT_WEBHOOK_URL and BOT_WEBHOOK_SECRET');
    }
    this.unsubscribe = this.deps.services.bots.onChange?.(() => void this.refresh());
    this.refreshTimer = setInterval(() => void this.refresh(), this.deps.config.BOT_REFRESH_SECONDS * 1000);
    this.refreshTimer.unref();
    await this.refresh();
  }

  /**
   * Starts bots registered since the last look, restarts re-keyed ones and stops removed or
   * disabled ones. Resolves when each bot it launched has started or failed its first attempt
   * (failures go on retrying in the background).
   */
  async refresh(): Promise<void> {
    await Promise.all(await this.sync());
  }

  /** Ids of the bots that are running now (started, not waiting for a retry). */
  runningBotIds(): number[] {
    return [...this.slots].filter(([, slot]) => slot.bot && !slot.retryTimer).map(([botId]) => botId);
  }

  /** The running bot for a webhook request, if `secretToken` is the one this bot was given. */
  webhookBot(botId: number, secretToken: string | undefined): Bot<BotContext> | null | 'forbidden' {
    const running = this.slots.get(botId)?.bot;
    if (!running) return null;
    const expected = Buffer.from(this.secretFor(botId));
    const given = Buffer.from(secretToken ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected) ? running : 'forbidden';
  }

  /** The `secret_token` given to Telegram for one bot: derived, so a leaked one exposes only that bot. */
  secretFor(botId: number): string {
    return createHash('sha256').update(`${this.deps.config.BOT_WEBHOOK_SECRET}:${botId}`).digest('hex');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.refreshTimer);
    this.unsubscribe?.();
    await this.syncQueued?.catch(() => undefined);
    await this.syncRunning?.catch(() => undefined);
    await Promise.all([...this.slots.values()].map((slot) => this.drop(slot)));
    this.slots.clear();
  }

  /**
   * Runs one sync at a time; a request made while one runs queues one more (the running one may
   * have read the bot list before the change it was asked about).
   */
  private sync(): Promise<Promise<void>[]> {
    if (this.syncQueued) return this.syncQueued;
    const queued: Promise<Promise<void>[]> = (this.syncRunning ?? Promise.resolve([]))
      .catch(() => [])
      .then(() => {
        this.syncQueued = undefined;
        this.syncRunning = queued;
        return this.syncBots();
      })
      .finally(() => {
        if (this.syncRunning === queued) this.syncRunning = undefined;
      });
    this.syncQueued = queued;
    return queued;
  }

  /** Brings the running set in line with the wanted tokens; returns the first attempts it launched. */
  private async syncBots(): Promise<Promise<void>[]> {
    if (this.stopped) return [];
    let tokens: string[];
    try {
      tokens = await this.tokens();
    } catch (err) {
      this.deps.logger.error({ err }, 'bot tokens unavailable; running bots keep running');
      return [];
    }
    const wanted = new Map(tokens.map((token) => [Number(token.split(':')[0]), token]));
    for (const [botId, slot] of this.slots) {
      if (wanted.get(botId) === slot.token) continue;
      this.slots.delete(botId);
      await this.drop(slot);
      this.deps.logger.info({ bot_id: botId }, 'bot stopped');
    }
    const launched: Promise<void>[] = [];
    for (const [botId, token] of wanted) {
      if (this.slots.has(botId) || this.stopped) continue;
      const slot: BotSlot = { token, failures: 0, dropped: false };
      this.slots.set(botId, slot);
      launched.push(this.launch(botId, slot));
    }
    return launched;
  }

  /** One attempt to start the bot; on failure logs why and schedules the next attempt. */
  private async launch(botId: number, slot: BotSlot): Promise<void> {
    slot.retryTimer = undefined;
    const bot = createBot(slot.token, this.deps);
    try {
      await bot.init();
    } catch (err) {
      return this.failed(botId, slot, err);
    }
    if (slot.dropped) return;
    void this.deps.services.bots.recordTokenCheck?.(botId, slot.token, { me: bot.botInfo }).catch((err: unknown) =>
      this.deps.logger.warn({ err, bot_id: botId }, 'bot profile not stored'),
    );
    try {
      slot.bot = bot;
      slot.poller = await this.receiveUpdates(bot);
    } catch (err) {
      slot.bot = undefined;
      return this.failed(botId, slot, err);
    }
    if (slot.dropped) return void (await this.stopPolling(slot.poller));
    slot.failures = 0;
    this.deps.logger.info({ bot_id: botId, username: bot.botInfo.username, mode: this.mode }, 'bot started');
    // Polling ends by itself only when Telegram stops taking the token (401) or another process polls it (409).
    void slot.poller?.task()?.then(
      () => this.pollingEnded(botId, slot, new Error('polling stopped')),
      (err: unknown) => this.pollingEnded(botId, slot, err),
    );
  }

  private async receiveUpdates(bot: Bot<BotContext>): Promise<RunnerHandle | undefined> {
    const allowed_updates = [...ALLOWED_UPDATES];
    if (this.mode === 'webhook') {
      const url = `${this.deps.config.BOT_WEBHOOK_URL!.replace(/\/$/, '')}/telegram/${bot.botInfo.id}`;
      await bot.api.setWebhook(url, { secret_token: this.secretFor(bot.botInfo.id), allowed_updates });
      return undefined;
    }
    await bot.api.deleteWebhook();
    // A failed poll is tried again after a second, not after the runner's doubling backoff: after a
    // long outage that would leave the bot deaf for minutes. Failures are logged by TelegramCalls.
    return run(bot, { runner: { fetch: { allowed_updates, timeout: POLL_TIMEOUT_SECONDS }, retryInterval: 1000, silent: true } });
  }

  private pollingEnded(botId: number, slot: BotSlot, err: unknown): void {
    if (slot.dropped || this.stopped) return;
    slot.bot = undefined;
    slot.poller = undefined;
    this.failed(botId, slot, err);
  }

  private failed(botId: number, slot: BotSlot, err: unknown): void {
    if (slot.dropped || this.stopped) return;
    const delayMs = Math.min(2 ** slot.failures, this.deps.config.BOT_START_RETRY_MAX_SECONDS) * 1000;
    slot.failures++;
    const why = startFailure(err);
    const entry = { err, bot_id: botId, reason: why.reason, attempt: slot.failures, retry_in_ms: delayMs };
    if (slot.failures === 1) this.deps.logger.error(entry, `bot could not start: ${why.text}; retrying in the background`);
    else this.deps.logger.warn(entry, `bot still cannot start: ${why.text}`);
    if (why.reason === 'token_refused') {
      void this.deps.services.bots.recordTokenCheck?.(botId, slot.token, { refused: why.text }).catch(() => undefined);
    }
    slot.retryTimer = setTimeout(() => void this.launch(botId, slot), delayMs);
    slot.retryTimer.unref();
  }

  private async drop(slot: BotSlot): Promise<void> {
    slot.dropped = true;
    clearTimeout(slot.retryTimer);
    await this.stopPolling(slot.poller);
  }

  private async stopPolling(poller: RunnerHandle | undefined): Promise<void> {
    if (poller?.isRunning()) await poller.stop();
  }
}

/** Why a bot did not start, in words for the log. */
function startFailure(err: unknown): { reason: 'token_refused' | 'telegram_refused' | 'telegram_unreachable'; text: string } {
  if (err instanceof GrammyError) {
    if (err.error_code === 401 || err.error_code === 404) return { reason: 'token_refused', text: `Telegram refused the token (${err.error_code} ${err.description}): revoked or wrong` };
    if (err.error_code < 500 && err.error_code !== 429) return { reason: 'telegram_refused', text: `Telegram refused (${err.error_code} ${err.description})` };
    return { reason: 'telegram_unreachable', text: `Telegram unavailable (${err.error_code} ${err.description})` };
  }
  if (err instanceof HttpError) return { reason: 'telegram_unreachable', text: `Telegram unreachable (${err.message})` };
  return { reason: 'telegram_unreachable', text: err instanceof Error ? err.message : String(err) };
}
