import type { Logger } from 'pino';
import type { BotsService, BotView } from '../bots/bots.service.ts';
import { assertTimeZone, todayIn, type AnalyticsService, type DayCounts } from './analytics.service.ts';

export interface DailyReportOptions {
  /** Days are cut in this IANA time zone. */
  timeZone: string;
  /** Telegram ids that get every bot's report besides the bot's own admins. */
  extraAdminIds: number[];
}

export interface DailyReportOutcome {
  date: string;
  /** Reports delivered, one per (bot, admin). */
  sent: number;
  /** Deliveries Telegram refused (admin never started the bot, blocked it...). */
  failed: number;
}

const DAY_MS = 86_400_000;

/** The day before `today` (YYYY-MM-DD). */
export function dayBefore(today: string): string {
  return new Date(Date.parse(`${today}T00:00:00Z`) - DAY_MS).toISOString().slice(0, 10);
}

/**
 * The daily admin report: yesterday's figures of each bot, sent through the bot itself to its
 * owner admins and the configured operators.
 */
export class DailyReportService {
  constructor(
    private readonly bots: BotsService,
    private readonly analytics: AnalyticsService,
    private readonly options: DailyReportOptions,
    private readonly logger: Logger,
  ) {
    assertTimeZone(options.timeZone);
  }

  /**
   * Sends the report for `date` (yesterday in the report's time zone by default). A refused
   * delivery is logged and counted, never thrown: a retry would send the others a second copy.
   */
  async send(date = dayBefore(todayIn(this.options.timeZone))): Promise<DailyReportOutcome> {
    const outcome: DailyReportOutcome = { date, sent: 0, failed: 0 };
    for (const bot of await this.bots.list()) {
      if (bot.status !== 'active') continue;
      const recipients = [...new Set([...bot.admin_ids, ...this.options.extraAdminIds])];
      if (recipients.length === 0) continue;
      const api = await this.bots.apiFor(bot.bot_id);
      if (!api) continue;
      const [day] = await this.analytics.daily(bot.bot_id, date, date, this.options.timeZone);
      const text = reportText(bot, day, this.options.timeZone);
      for (const chatId of recipients) {
        try {
          await api.sendMessage(chatId, text, { parse_mode: 'HTML' });
          outcome.sent++;
        } catch (err) {
          outcome.failed++;
          this.logger.warn({ err, botId: bot.bot_id, chatId }, 'daily report not delivered');
        }
      }
    }
    this.logger.info(outcome, 'daily report sent');
    return outcome;
  }
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function reportText(bot: BotView, day: DayCounts, timeZone: string): string {
  const name = bot.username ? `@${bot.username}` : bot.title || String(bot.bot_id);
  return [
    `<b>Daily report · ${escapeHtml(name)}</b>`,
    `${day.date} (${escapeHtml(timeZone)})`,
    '',
    `New users: ${day.registrations}`,
    `Payments: ${day.payments} (${day.revenue} ⭐)`,
    `Refunds: ${day.refunds}`,
    `Generations: ${day.generations} (${day.generation_credits} credits)`,
    `Trials: ${day.trials}`,
    `New subscriptions: ${day.subscriptions}, renewals: ${day.renewals}`,
  ].join('\n');
}
