import type { Db } from '../../db/client.ts';
import { inTransaction } from '../../db/transaction.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import { telegramError } from '../../platform/telegram.ts';
import { bumpStats } from '../analytics/stats.repo.ts';
import type { BotsService } from '../bots/bots.service.ts';
import type { LedgerService } from '../ledger/ledger.service.ts';
import type { PluginsService } from '../plugins/plugins.service.ts';
import type { UsersService } from '../users/users.service.ts';
import { PaymentsRepo, type PaymentFilter, type PaymentRow } from './payments.repo.ts';

export interface StarsOptions {
  starsPerUnit: number;
  creditsPerUnit: number;
  packages: number[];
}

export interface StarsOption {
  id: string;
  stars: number;
  credits: number;
}

/** What Telegram reports in `message.successful_payment` (plus who paid). */
export interface StarsPaymentReport {
  telegram_id: number;
  telegram_payment_charge_id: string;
  total_amount: number;
  invoice_payload: string;
  currency?: string;
  provider_payment_charge_id?: string | null;
}

export interface PaymentResult {
  payment_id: number;
  telegram_id: number;
  status: 'PAID' | 'REFUNDED';
  stars: number;
  credits: number;
  balance: number;
  referral_bonus: number;
  telegram_payment_charge_id: string;
  /** True when this charge had been confirmed before: nothing was credited this time. */
  replayed: boolean;
}

export interface PaymentView {
  bill_id: number;
  user_id: number;
  telegram_id: number;
  amount: number;
  currency: string;
  credits: number;
  status: string;
  provider: string;
  telegram_payment_charge_id: string;
  date: string;
  refunded_at: string | null;
  meta: Record<string, unknown>;
}

/** A successful payment the bot could not credit, for the payments.confirm job to retry. */
export interface ConfirmRetry {
  bot_id: number;
  /** Where the payer hears about it once credited. */
  chat_id: number;
  report: StarsPaymentReport;
}

/** What the payer is told once a payment is credited. */
export const creditedNotice = (result: PaymentResult) => `+${result.credits} credits. Balance: ${result.balance}`;

/** Telegram gives a bot 10 s to answer a pre-checkout query; answer in time even if our checks are slow. */
const PRE_CHECKOUT_DEADLINE_MS = 8000;
const PAYLOAD = /^stars:([a-z0-9_]{1,32}):(\d{1,16})$/;

/**
 * Telegram Stars: packages, invoices, pre-checkout answers, and crediting each charge exactly
 * once (replays answer the original result), with the referrer's bonus and refunds.
 */
export class PaymentsService {
  readonly repo: PaymentsRepo;

  constructor(
    private readonly db: Db,
    private readonly bots: BotsService,
    private readonly users: UsersService,
    private readonly ledger: LedgerService,
    private readonly stars: StarsOptions,
    /** Enqueues the payments.confirm job (durable, retried with backoff). */
    private readonly scheduleConfirm: (retry: ConfirmRetry) => Promise<void>,
    private readonly plugins?: Pick<PluginsService, 'isEnabled'>,
  ) {
    this.repo = new PaymentsRepo(db);
  }

  /** Credits bought by `stars` at the configured rate (70 ⭐ = 1000 credits), rounded down. */
  creditsFor(stars: number): number {
    return Math.floor((stars * this.stars.creditsPerUnit) / this.stars.starsPerUnit);
  }

  options(): { rate: { stars: number; credits: number }; currency: 'XTR'; options: StarsOption[] } {
    return {
      rate: { stars: this.stars.starsPerUnit, credits: this.stars.creditsPerUnit },
      currency: 'XTR',
      options: this.stars.packages.map((stars) => ({ id: `stars_${stars}`, stars, credits: this.creditsFor(stars) })),
    };
  }

  private option(id: string): StarsOption {
    const option = this.options().options.find((o) => o.id === id);
    if (!option) throw new AppError('UNKNOWN_OPTION', { message: `Unknown Stars option ${id}`, status: 400 });
    return option;
  }

  /** An invoice link for one package, paid in Stars (XTR, no provider token, one price). */
  async createInvoice(botId: number, telegramId: number, optionId: string) {
    const option = this.option(optionId);
    const user = await this.users.require(botId, telegramId);
    if (user.isBanned) throw new AppError('USER_BANNED', { message: 'This user is banned', status: 403 });
    const api = await this.bots.apiFor(botId);
    if (!api) throw new AppError('BOT_HAS_NO_TOKEN', { message: `Bot ${botId} has no token to create invoices with`, status: 409 });
    const payload = `stars:${option.id}:${telegramId}`;
    try {
      const link = await api.createInvoiceLink(`${option.credits} credits`, `${option.credits} credits for ${option.stars} Telegram Stars`, payload, '', 'XTR', [
        { label: `${option.credits} credits`, amount: option.stars },
      ]);
      return { invoice_link: link, payload, option };
    } catch (err) {
      throw telegramError(err);
    }
  }

  /** Why a report is not a payment for one of our invoices to this user, or null. */
  private foreign(report: { telegramId: number; currency: string; payload: string }): string | null {
    if (report.currency !== 'XTR') return 'Only Telegram Stars are accepted';
    const match = PAYLOAD.exec(report.payload);
    if (!match) return 'Unknown invoice';
    if (Number(match[2]) !== report.telegramId) return 'This invoice was issued to another user';
    return null;
  }

  /** Why a payment must not go through, or null when it may. */
  private async refusal(botId: number, report: { telegramId: number; currency: string; totalAmount: number; payload: string }): Promise<string | null> {
    const foreign = this.foreign(report);
    if (foreign) return foreign;
    const option = this.options().options.find((o) => o.id === PAYLOAD.exec(report.payload)![1]);
    if (!option || option.stars !== report.totalAmount) return 'This offer has changed, please open a new invoice';
    const user = await this.users.repo.find(botId, report.telegramId);
    if (!user) return 'Please start the bot first';
    if (user.isBanned) return 'Your account is blocked';
    return null;
  }

  /**
   * Answers a pre-checkout query (call it from the bot's `pre_checkout_query` handler): ok when
   * the invoice is ours, for this user and price. Always answers within Telegram's 10 s.
   */
  async answerPreCheckout(botId: number, query: { id: string; from: { id: number }; currency: string; total_amount: number; invoice_payload: string }): Promise<{ ok: boolean; error_message?: string }> {
    const api = await this.bots.apiFor(botId);
    if (!api) throw new AppError('BOT_HAS_NO_TOKEN', { message: `Bot ${botId} has no token`, status: 409 });
    const checks = this.refusal(botId, { telegramId: query.from.id, currency: query.currency, totalAmount: query.total_amount, payload: query.invoice_payload });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<string>((resolve) => (timer = setTimeout(() => resolve('Payment service is busy, please try again'), PRE_CHECKOUT_DEADLINE_MS)));
    const refusal = await Promise.race([checks, late]).finally(() => clearTimeout(timer));
    try {
      if (refusal) await api.answerPreCheckoutQuery(query.id, false, { error_message: refusal });
      else await api.answerPreCheckoutQuery(query.id, true);
    } catch (err) {
      throw telegramError(err);
    }
    return refusal ? { ok: false, error_message: refusal } : { ok: true };
  }

  /**
   * Credits a successful Stars payment exactly once per `telegram_payment_charge_id`: the
   * payment row, the deposit, the referrer's bonus and the statistics commit together; a repeat
   * (bot retry, webhook redelivery, client replay) returns the original result.
   */
  async confirm(botId: number, report: StarsPaymentReport): Promise<PaymentResult> {
    const currency = report.currency ?? 'XTR';
    const known = await this.repo.findByCharge(botId, report.telegram_payment_charge_id);
    if (known) return this.replay(known, report);
    // Stars Telegram already took are credited even if the offer changed since; only foreign reports are refused.
    const foreign = this.foreign({ telegramId: report.telegram_id, currency, payload: report.invoice_payload });
    if (foreign) throw new AppError('PAYMENT_REJECTED', { message: foreign, status: 422 });
    const user = await this.users.require(botId, report.telegram_id);
    const bot = await this.bots.get(botId);
    // With the referrals switch off the payer is credited in full and nobody earns a bonus.
    const referralsOn = (await this.plugins?.isEnabled(botId, 'referrals')) !== false;
    const referrer = user.referrerId && referralsOn ? await this.users.repo.findById(user.referrerId) : undefined;
    const credits = this.creditsFor(report.total_amount);
    const percent = referrer ? (referrer.refPercent ?? bot.ref_percent) : 0;
    const bonus = referrer ? Math.ceil((credits * percent) / 100) : 0;

    const outcome = await inTransaction(this.db, async (tx) => {
      await this.ledger.lockUsers([user.id, referrer?.id], tx);
      const payment = await this.repo.insertOnce(
        {
          botId,
          userId: user.id,
          telegramId: report.telegram_id,
          amount: report.total_amount,
          currency,
          credits,
          telegramPaymentChargeId: report.telegram_payment_charge_id,
          providerPaymentChargeId: report.provider_payment_charge_id ?? null,
          invoicePayload: report.invoice_payload,
          meta: { referral_bonus: bonus, referrer_id: referrer?.id ?? null },
        },
        tx,
      );
      if (!payment) return null;
      const deposit = await this.ledger.credit(user.id, credits, 'deposit', `payment:${report.telegram_payment_charge_id}`, tx, { payment_id: payment.id });
      if (referrer && bonus > 0) {
        await this.ledger.credit(referrer.id, bonus, 'referral_bonus', `referral:${report.telegram_payment_charge_id}`, tx, { payment_id: payment.id, referee_id: user.id });
      }
      const saved = await this.repo.update(payment.id, { meta: { ...payment.meta, balance_after: deposit.balance } }, tx);
      await bumpStats(tx, botId, payment.createdAt, { payments: 1, revenue: report.total_amount });
      return saved;
    });
    if (!outcome) {
      // A concurrent confirm of the same charge committed first.
      return this.replay((await this.repo.findByCharge(botId, report.telegram_payment_charge_id))!, report);
    }
    return toResult(outcome, false);
  }

  /**
   * Hands a payment that could not be credited now (the database failed) to a durable job that
   * retries `confirm` until it goes through; once credited, the payer is told in `chat_id`.
   */
  async confirmLater(retry: ConfirmRetry): Promise<void> {
    await this.scheduleConfirm(retry);
  }

  /** The payments.confirm job: credits the payment (once, like `confirm`) and tells the payer, unless an earlier attempt did. */
  async confirmRetry(retry: ConfirmRetry): Promise<PaymentResult> {
    const result = await this.confirm(retry.bot_id, retry.report);
    if (!result.replayed) {
      const api = await this.bots.apiFor(retry.bot_id);
      // The credits are in: a notice Telegram refuses is no reason to run the job again.
      await api?.sendMessage(retry.chat_id, creditedNotice(result)).catch(() => undefined);
    }
    return result;
  }

  private replay(payment: PaymentRow, report: StarsPaymentReport): PaymentResult {
    if (payment.telegramId !== report.telegram_id || payment.amount !== report.total_amount) {
      throw new AppError('CHARGE_ID_CONFLICT', { message: `Charge ${report.telegram_payment_charge_id} was confirmed for a different payment`, status: 409 });
    }
    return toResult(payment, true);
  }

  /**
   * Refunds a payment through Telegram (`refundStarPayment`) and reverses its credits, in one
   * transaction: if Telegram refuses, nothing changes. Refused when the user already spent the
   * credits. The referrer's bonus is clawed back as far as their balance allows.
   */
  async refund(botId: number, paymentId: number, actor: { telegramId: number | null; reason: string | null }): Promise<PaymentView> {
    const api = await this.bots.apiFor(botId);
    if (!api) throw new AppError('BOT_HAS_NO_TOKEN', { message: `Bot ${botId} has no token to refund with`, status: 409 });
    const refunded = await inTransaction(this.db, async (tx) => {
      // Whose balances move never changes: read it unlocked, lock those users, then the payment.
      const known = await this.repo.find(botId, paymentId, tx);
      if (!known) throw notFound('payment', paymentId);
      await this.ledger.lockUsers([known.userId, known.meta.referrer_id as number | null | undefined], tx);
      const payment = (await this.repo.lock(botId, paymentId, tx))!;
      if (payment.status === 'REFUNDED') return payment;
      const charge = payment.telegramPaymentChargeId;
      const reason = actor.reason ?? 'Stars payment refunded';
      await this.ledger.post({ userId: payment.userId, amount: -payment.credits, type: 'refund', idempotencyKey: `refund:${charge}`, reason, actorId: actor.telegramId, meta: { payment_id: payment.id } }, tx);
      const referrerId = payment.meta.referrer_id as number | null | undefined;
      const bonus = Number(payment.meta.referral_bonus ?? 0);
      let clawedBack = 0;
      if (referrerId && bonus > 0) {
        clawedBack = Math.min(bonus, await this.ledger.balance(referrerId, tx));
        if (clawedBack > 0) {
          await this.ledger.post({ userId: referrerId, amount: -clawedBack, type: 'refund', idempotencyKey: `refund-referral:${charge}`, reason, actorId: actor.telegramId, meta: { payment_id: payment.id } }, tx);
        }
      }
      const saved = await this.repo.update(payment.id, { status: 'REFUNDED', refundedAt: new Date(), meta: { ...payment.meta, referral_clawed_back: clawedBack, refund_reason: reason, refunded_by: actor.telegramId } }, tx);
      await bumpStats(tx, botId, payment.createdAt, { payments: -1, revenue: -payment.amount, refunds: 1 });
      // Last: Telegram moves the Stars only if everything above holds; if it refuses, all of it rolls back.
      try {
        await api.refundStarPayment(payment.telegramId, charge);
      } catch (err) {
        throw telegramError(err);
      }
      return saved;
    });
    return toPaymentView(refunded);
  }

  async list(filter: PaymentFilter, limit: number, offset: number, withTotal = true) {
    const { items, total } = await this.repo.page(filter, limit, offset, withTotal);
    return { items: items.map(toPaymentView), total };
  }

  async totalsOf(userId: number) {
    return this.repo.totalsOf(userId);
  }
}

function toResult(payment: PaymentRow, replayed: boolean): PaymentResult {
  return {
    payment_id: payment.id,
    telegram_id: payment.telegramId,
    status: payment.status,
    stars: payment.amount,
    credits: payment.credits,
    balance: Number(payment.meta.balance_after ?? 0),
    referral_bonus: Number(payment.meta.referral_bonus ?? 0),
    telegram_payment_charge_id: payment.telegramPaymentChargeId,
    replayed,
  };
}

export function toPaymentView(row: PaymentRow): PaymentView {
  return {
    bill_id: row.id,
    user_id: row.telegramId,
    telegram_id: row.telegramId,
    amount: row.amount,
    currency: row.currency,
    credits: row.credits,
    status: row.status,
    provider: row.provider,
    telegram_payment_charge_id: row.telegramPaymentChargeId,
    date: row.createdAt.toISOString(),
    refunded_at: row.refundedAt ? row.refundedAt.toISOString() : null,
    meta: row.meta,
  };
}
