import { Bot, Composer, type BotError } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import { sequentialize } from '@grammyjs/runner';
import { apiThrottler } from '@grammyjs/transformer-throttler';
import { isRefusal } from '../platform/errors.ts';
import { boundCalls, CLIENT_BACKSTOP_SECONDS, telegramOptions } from '../platform/telegram.ts';
import { antifloodComposer } from '../modules/antiflood/antiflood.bot.ts';
import { broadcastsComposer } from '../modules/broadcasts/broadcasts.bot.ts';
import { captchaComposer } from '../modules/captcha/captcha.bot.ts';
import { chatLockComposer, enforcementComposer } from '../modules/enforcement/enforcement.bot.ts';
import { groupsComposer } from '../modules/groups/groups.bot.ts';
import { rolesComposer } from '../modules/roles/roles.bot.ts';
import { messageRulesComposer, rulesComposer } from '../modules/rules/rules.bot.ts';
import { updateMetrics } from '../modules/metrics/metrics.bot.ts';
import { checkoutComposer, declineCheckout, paymentsComposer } from '../modules/payments/payments.bot.ts';
import { whenEnabled } from '../modules/plugins/plugins.bot.ts';
import { parseCallback } from './callback-data.ts';
import type { BotContext, BotDeps } from './context.ts';
import { langOf, translate } from './i18n.ts';
import { UnfinishedUpdate } from './unfinished-update.ts';

/** Updates the bot asks Telegram for; `chat_member` keeps the admin cache fresh, `pre_checkout_query` completes Stars payments. */
export const ALLOWED_UPDATES = ['message', 'edited_message', 'callback_query', 'chat_member', 'my_chat_member', 'pre_checkout_query'] as const;

/** How long an update id is remembered to drop Telegram's webhook redeliveries (it retries for hours at most). */
const SEEN_UPDATE_SECONDS = 24 * 3600;

export interface CreateBotOptions {
  /** Skip `getMe` at start (tests and benchmarks that know the bot). */
  botInfo?: UserFromGetMe;
}

/**
 * Builds the grammY bot for one token: the context (services, child logger, language),
 * duplicate-update filter, outgoing-call retry and throttling, an error boundary around the
 * modules' composers, and an "unhandled" composer last.
 *
 * @example
 * const bot = createBot(token, deps);
 * await bot.init();
 * run(bot);
 */
export function createBot(token: string, deps: BotDeps, options: CreateBotOptions = {}): Bot<BotContext> {
  const { config } = deps;
  const bot = new Bot<BotContext>(token, {
    client: { apiRoot: config.TELEGRAM_API_ROOT, timeoutSeconds: CLIENT_BACKSTOP_SECONDS },
    botInfo: options.botInfo,
  });
  if (config.BOT_THROTTLE) bot.api.config.use(apiThrottler());
  boundCalls(bot.api, token, telegramOptions(config, deps.telegram));

  const botId = Number(token.split(':')[0]);
  const botLogger = deps.logger.child({ role: 'bot', bot_id: botId });

  bot.use(async (ctx, next) => {
    // Telegram redelivers a webhook update it got no 2xx for, possibly to another instance; handling it twice would act twice.
    if (!(await deps.shared.claimOnce(seenKey(botId, ctx.update.update_id), SEEN_UPDATE_SECONDS))) return;
    ctx.deps = deps;
    ctx.services = deps.services;
    ctx.botId = botId;
    ctx.log = botLogger.child({ update_id: ctx.update.update_id });
    ctx.lang = langOf(ctx.from?.language_code);
    ctx.t = (key, params) => translate(ctx.lang, key, params);
    ctx.callback = parseCallback(ctx.callbackQuery?.data);
    await next();
  });

  // Updates of one chat run in order (a panel press waits for the command before it); chats run in parallel.
  bot.use(sequentialize((ctx) => ctx.chat?.id.toString()));
  const guarded = bot.errorBoundary(answerError);
  // Inside the boundary, so that handler errors are counted before the boundary answers them.
  guarded.use(updateMetrics(deps.services.botMetrics));
  // Payments and broadcast reachability write to the database directly: only an in-process bot has them.
  // Reachability is followed even with broadcasts switched off, so that they reach the right users once back on.
  if (deps.services.broadcasts) guarded.use(broadcastsComposer(deps.services.broadcasts));
  if (deps.services.payments) guarded.use(whenEnabled('payments', checkoutComposer(deps.services.payments), declineCheckout), paymentsComposer(deps.services.payments));
  // Keyword rules after captcha (newcomers are challenged first) and before flood counting and commands: a message they remove goes no further.
  // Module switches: a composer of a switched-off module lets updates pass untouched (welcome is gated in sendWelcome).
  guarded.use(
    groupsComposer,
    captchaComposer,
    whenEnabled('rules', messageRulesComposer),
    whenEnabled('rules', antifloodComposer),
    whenEnabled('moderation', enforcementComposer),
    whenEnabled('night_mode', chatLockComposer),
    whenEnabled('rules', rulesComposer),
    rolesComposer,
    helpComposer,
    unhandledComposer,
  );
  bot.catch((err) => botLogger.error({ err: err.error, update_id: err.ctx.update.update_id }, 'bot error outside the boundary'));
  return bot;
}

const seenKey = (botId: number, updateId: number) => `update:${botId}:${updateId}`;

const helpComposer = new Composer<BotContext>();
helpComposer.command(['help', 'start'], (ctx) => ctx.reply(ctx.t('help')));

/** Last in line: a button nobody handled is still answered, so the client stops its spinner. */
const unhandledComposer = new Composer<BotContext>();
unhandledComposer.on('callback_query', (ctx) => ctx.answerCallbackQuery({ text: ctx.t('unknown_button') }));

/**
 * The error boundary: logs, then tells the user. A refusal (an AppError under 500: not allowed,
 * Telegram said no, bad duration) shows its message; anything else a generic apology.
 */
async function answerError(err: BotError<BotContext>): Promise<void> {
  const { ctx, error } = err;
  if (error instanceof UnfinishedUpdate) return keepUnfinished(ctx, error);
  const refusal = isRefusal(error);
  if (refusal) ctx.log.warn({ code: error.code, message: error.message }, 'refused');
  else ctx.log.error({ err: error }, 'update failed');
  const text = refusal ? ctx.t('refused', { message: error.message }) : ctx.t('error');
  try {
    if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text, show_alert: true });
    else if (ctx.chat && ctx.msg) await ctx.reply(text, { reply_parameters: { message_id: ctx.msg.message_id, allow_sending_without_reply: true } });
  } catch (replyError) {
    ctx.log.warn({ err: replyError }, 'could not tell the user about the error');
  }
}

/**
 * Work that must not be lost failed: the update is not acknowledged. Its id is released so a
 * redelivery is handled, the work goes to its durable retry, and in webhook mode the error
 * leaves the boundary so Telegram gets a non-2xx answer and delivers the update again (long
 * polling has already moved past it: there the durable retry is the second chance).
 */
async function keepUnfinished(ctx: BotContext, error: UnfinishedUpdate): Promise<void> {
  ctx.log.error({ err: error.cause }, 'update failed; not acknowledged, will be retried');
  await ctx.deps.shared.release(seenKey(ctx.botId, ctx.update.update_id));
  let handedOver = false;
  if (error.retryLater) {
    try {
      await error.retryLater();
      handedOver = true;
    } catch (retryError) {
      ctx.log.error({ err: retryError }, 'could not hand the update to a durable retry');
    }
  }
  if (ctx.deps.config.BOT_MODE === 'webhook' || !handedOver) throw error;
}
