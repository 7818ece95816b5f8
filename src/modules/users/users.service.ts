import { randomBytes } from 'node:crypto';
import type { Db, Executor } from '../../db/client.ts';
import { isUniqueViolation } from '../../db/rows.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import { bumpStats } from '../analytics/stats.repo.ts';
import type { BotsService } from '../bots/bots.service.ts';
import type { LedgerService } from '../ledger/ledger.service.ts';
import { UsersRepo, type BotUserRow, type UserFilter } from './users.repo.ts';

export interface TelegramProfile {
  telegram_id: number;
  username?: string | null;
  first_name?: string | null;
  last_name?: string | null;
  language_code?: string | null;
  is_premium?: boolean;
}

export interface UserView {
  id: number;
  bot_id: number;
  telegram_id: number;
  username: string | null;
  first_name: string | null;
  last_name: string | null;
  language_code: string | null;
  is_premium: boolean;
  referral_code: string;
  referrer_telegram_id: number | null;
  balance: number;
  is_banned: boolean;
  ban_reason: string | null;
  meta: Record<string, unknown>;
  created_at: string;
  last_seen_at: string | null;
}

const CODE_ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';
const DEFAULT_TRIAL = 'generation';

/** A referral code: 8 characters without look-alikes (l/1, o/0). */
function newReferralCode(): string {
  const bytes = randomBytes(8);
  let code = '';
  for (const b of bytes) code += CODE_ALPHABET[b % CODE_ALPHABET.length];
  return code;
}

/** `ref_abc123` or `abc123` from a /start or Mini App start parameter. */
export function referralCodeFrom(startParam: string | null | undefined): string | null {
  if (!startParam) return null;
  const code = startParam.startsWith('ref_') ? startParam.slice(4) : startParam;
  return /^[a-z0-9]{4,32}$/i.test(code) ? code.toLowerCase() : null;
}

/** The bot's users: registration (sync), referral codes, trials, bans. */
export class UsersService {
  readonly repo: UsersRepo;

  constructor(
    private readonly db: Db,
    private readonly bots: BotsService,
    private readonly ledger: LedgerService,
  ) {
    this.repo = new UsersRepo(db);
  }

  /**
   * Creates the user on first sight (with a referral code and, from the start parameter, the
   * referrer), otherwise refreshes their profile. Safe to call on every Mini App open.
   */
  async sync(botId: number, profile: TelegramProfile, startParam?: string | null): Promise<{ user: UserView; created: boolean }> {
    await this.bots.get(botId);
    const profileFields = {
      ...(profile.username !== undefined && { username: profile.username }),
      ...(profile.first_name !== undefined && { firstName: profile.first_name }),
      ...(profile.last_name !== undefined && { lastName: profile.last_name }),
      ...(profile.language_code !== undefined && { languageCode: profile.language_code }),
      ...(profile.is_premium !== undefined && { isPremium: profile.is_premium }),
    };
    const existing = await this.repo.find(botId, profile.telegram_id);
    if (existing) return { user: await this.touch(existing, profileFields), created: false };

    const code = referralCodeFrom(startParam);
    const referrer = code ? await this.repo.findByReferralCode(botId, code) : undefined;
    for (let attempt = 0; ; attempt++) {
      try {
        const created = await this.db.transaction(async (tx) => {
          const row = await this.repo.insert(
            { botId, telegramId: profile.telegram_id, ...profileFields, referralCode: newReferralCode(), referrerId: referrer?.id ?? null, lastSeenAt: new Date() },
            tx,
          );
          if (row) await bumpStats(tx, botId, row.createdAt, { registrations: 1 });
          return row;
        });
        if (created) return { user: await this.view(created), created: true };
        // A concurrent sync registered the user first.
        const raced = await this.repo.find(botId, profile.telegram_id);
        return { user: await this.touch(raced!, profileFields), created: false };
      } catch (err) {
        if (!isUniqueViolation(err) || attempt >= 4) throw err;
      }
    }
  }

  private async touch(row: BotUserRow, profileFields: Partial<BotUserRow>): Promise<UserView> {
    const updated = await this.repo.update(row.id, { ...profileFields, lastSeenAt: new Date() });
    return this.view(updated ?? row);
  }

  /** The user's row, or 404. */
  async require(botId: number, telegramId: number, tx?: Executor): Promise<BotUserRow> {
    const row = await this.repo.find(botId, telegramId, tx);
    if (!row) throw notFound('user', telegramId);
    return row;
  }

  async get(botId: number, telegramId: number): Promise<UserView> {
    return this.view(await this.require(botId, telegramId));
  }

  async balance(botId: number, telegramId: number): Promise<{ telegram_id: number; balance: number }> {
    const row = await this.require(botId, telegramId);
    return { telegram_id: telegramId, balance: row.balance };
  }

  async trialStatus(botId: number, telegramId: number, kind = DEFAULT_TRIAL) {
    const row = await this.require(botId, telegramId);
    const trial = await this.repo.trialOf(row.id, kind);
    return {
      telegram_id: telegramId,
      kind,
      trial_available: !trial && !row.isBanned,
      trial_used: Boolean(trial),
      used_at: trial ? trial.usedAt.toISOString() : null,
    };
  }

  /**
   * Uses the user's one free trial of `kind`, in the caller's transaction when given. Returns
   * false when it was already used (nothing recorded).
   */
  async useTrial(userId: number, kind = DEFAULT_TRIAL, tx?: Executor, meta: Record<string, unknown> = {}): Promise<boolean> {
    const run = async (t: Executor) => {
      const user = await this.repo.findById(userId, t);
      if (!user) throw notFound('user', userId);
      if (user.isBanned) throw new AppError('USER_BANNED', { message: 'This user is banned', status: 403 });
      const row = await this.repo.insertTrial({ botId: user.botId, userId, kind, meta }, t);
      if (row) await bumpStats(t, user.botId, row.usedAt, { trials: 1 });
      return Boolean(row);
    };
    return tx ? run(tx) : this.db.transaction(run);
  }

  /**
   * Gives back a trial that was used for something that then failed, in the caller's transaction.
   * Only the trial recorded with `usedFor` in its meta is returned, so a repeat returns nothing.
   *
   * @example
   * await users.returnTrial(userId, 'generation', { generation_id: id }, tx);
   */
  async returnTrial(userId: number, kind: string, usedFor: Record<string, unknown>, tx: Executor): Promise<boolean> {
    const row = await this.repo.deleteTrial(userId, kind, usedFor, tx);
    // Analytics count trials used: this one was not, in the end.
    if (row) await bumpStats(tx, row.botId, row.usedAt, { trials: -1 });
    return Boolean(row);
  }

  async referrals(botId: number, telegramId: number, limit = 50) {
    const [row, bot] = [await this.require(botId, telegramId), await this.bots.get(botId)];
    const [{ items, total }, earned] = [await this.repo.referralsOf(row.id, limit), await this.ledger.earnedAs(row.id, 'referral_bonus')];
    return {
      telegram_id: telegramId,
      referral_code: row.referralCode,
      referral_link: bot.username ? `https://t.me/${bot.username}?start=ref_${row.referralCode}` : null,
      ref_percent: row.refPercent ?? bot.ref_percent,
      referrals_count: total,
      referral_earnings: earned,
      referrals: items.map((r) => ({ telegram_id: r.telegramId, username: r.username, first_name: r.firstName, joined_at: r.createdAt.toISOString() })),
    };
  }

  async setBanned(botId: number, telegramId: number, banned: boolean, reason: string | null): Promise<UserView> {
    const row = await this.require(botId, telegramId);
    const updated = await this.repo.update(row.id, { isBanned: banned, banReason: banned ? reason : null, bannedAt: banned ? new Date() : null });
    return this.view(updated!);
  }

  async search(botId: number, query: string, limit: number, offset: number) {
    const { items, total } = await this.repo.search(botId, query, limit, offset);
    return { items: await Promise.all(items.map((r) => this.view(r))), total };
  }

  async count(botId: number, filter: UserFilter): Promise<number> {
    return this.repo.countBy(botId, filter);
  }

  async view(row: BotUserRow): Promise<UserView> {
    const referrer = row.referrerId ? await this.repo.findById(row.referrerId) : undefined;
    return toUserView(row, referrer?.telegramId ?? null);
  }
}

export function toUserView(row: BotUserRow, referrerTelegramId: number | null): UserView {
  return {
    id: row.id,
    bot_id: row.botId,
    telegram_id: row.telegramId,
    username: row.username,
    first_name: row.firstName,
    last_name: row.lastName,
    language_code: row.languageCode,
    is_premium: row.isPremium,
    referral_code: row.referralCode,
    referrer_telegram_id: referrerTelegramId,
    balance: row.balance,
    is_banned: row.isBanned,
    ban_reason: row.banReason,
    meta: row.meta,
    created_at: row.createdAt.toISOString(),
    last_seen_at: row.lastSeenAt ? row.lastSeenAt.toISOString() : null,
  };
}
