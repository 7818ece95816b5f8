import { createHash, timingSafeEqual } from 'node:crypto';
import type { Bot } from 'grammy';
import { run, type RunnerHandle } from '@grammyjs/runner';
import { ALLOWED_UPDATES, createBot } from './bot.ts';
import type { BotContext, BotDeps } from './context.ts';

/** Long-poll timeout: Telegram holds each getUpdates this long when there is nothing to deliver. */
export const POLL_TIMEOUT_SECONDS = 30;

/** The tokens of the bots to run: tgbase's active registered bots, or BOT_TOKENS for a bot process of its own. */
export type BotTokenSource = () => Promise<string[]>;

interface RunningBot {
  bot: Bot<BotContext>;
  token: string;
  poller?: RunnerHandle;
}

/**
 * The bot role: one grammY bot per token, by long polling (default) or by webhook
 * (`BOT_MODE=webhook`: `setWebhook` with a per-bot `secret_token`; updates arrive at
 * `POST /telegram/<bot_id>`). Looks for new, re-keyed or removed bots every BOT_REFRESH_SECONDS.
 */
export class BotRunner {
  private readonly running = new Map<number, RunningBot>();
  private refreshTimer?: NodeJS.Timeout;
  private refreshing?: Promise<void>;

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
    await this.refresh();
    this.refreshTimer = setInterval(() => void this.refresh(), this.deps.config.BOT_REFRESH_SECONDS * 1000);
    this.refreshTimer.unref();
  }

  /** Starts bots registered since the last look and restarts bots whose token changed. */
  async refresh(): Promise<void> {
    this.refreshing ??= this.syncBots().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  /** The running bot for a webhook request, if `secretToken` is the one this bot was given. */
  webhookBot(botId: number, secretToken: string | undefined): Bot<BotContext> | null | 'forbidden' {
    const running = this.running.get(botId);
    if (!running) return null;
    const expected = Buffer.from(this.secretFor(botId));
    const given = Buffer.from(secretToken ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected) ? running.bot : 'forbidden';
  }

  /** The `secret_token` given to Telegram for one bot: derived, so a leaked one exposes only that bot. */
  secretFor(botId: number): string {
    return createHash('sha256').update(`${this.deps.config.BOT_WEBHOOK_SECRET}:${botId}`).digest('hex');
  }

  async stop(): Promise<void> {
    clearInterval(this.refreshTimer);
    await this.refreshing;
    await Promise.all([...this.running.values()].map((r) => this.stopOne(r)));
    this.running.clear();
  }

  private async syncBots(): Promise<void> {
    let tokens: string[];
    try {
      tokens = await this.tokens();
    } catch (err) {
      this.deps.logger.error({ err }, 'bot tokens unavailable; running bots keep running');
      return;
    }
    const wanted = new Map(tokens.map((token) => [Number(token.split(':')[0]), token]));
    for (const [botId, current] of this.running) {
      if (wanted.has(botId)) continue;
      await this.stopOne(current);
      this.running.delete(botId);
      this.deps.logger.info({ bot_id: botId }, 'bot stopped');
    }
    for (const [botId, token] of wanted) {
      const current = this.running.get(botId);
      if (current?.token === token) continue;
      if (current) await this.stopOne(current);
      try {
        this.running.set(botId, await this.startOne(token));
        this.deps.logger.info({ bot_id: botId, mode: this.mode }, 'bot started');
      } catch (err) {
        this.running.delete(botId);
        this.deps.logger.error({ err, bot_id: botId }, 'bot could not start');
      }
    }
  }

  private async startOne(token: string): Promise<RunningBot> {
    const bot = createBot(token, this.deps);
    await bot.init();
    const allowed_updates = [...ALLOWED_UPDATES];
    if (this.mode === 'webhook') {
      const url = `${this.deps.config.BOT_WEBHOOK_URL!.replace(/\/$/, '')}/telegram/${bot.botInfo.id}`;
      await bot.api.setWebhook(url, { secret_token: this.secretFor(bot.botInfo.id), allowed_updates });
      return { bot, token };
    }
    await bot.api.deleteWebhook();
    // A failed poll is tried again after a second, not after the runner's doubling backoff: after a
    // long outage that would leave the bot deaf for minutes. Failures are logged by TelegramCalls.
    const poller = run(bot, { runner: { fetch: { allowed_updates, timeout: POLL_TIMEOUT_SECONDS }, retryInterval: 1000, silent: true } });
    return { bot, token, poller };
  }

  private async stopOne(running: RunningBot): Promise<void> {
    if (running.poller?.isRunning()) await running.poller.stop();
  }
}
