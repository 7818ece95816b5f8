import { GrammyError, type Api } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import type { Logger } from 'pino';
import type { Db } from '../../db/client.ts';
import type { Cache } from '../../platform/cache.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import type { SecretBox } from '../../platform/secret-box.ts';
import { createTelegramApi, telegramError, type TelegramOptions } from '../../platform/telegram.ts';
import { BotsRepo, type BotRow } from './bots.repo.ts';

export interface BotView {
  bot_id: number;
  username: string | null;
  /** The bot's name in Telegram (getMe's first_name); null until Telegram confirmed the token. */
  name: string | null;
  title: string;
  status: string;
  ref_percent: number;
  has_token: boolean;
  admin_ids: number[];
  meta: Record<string, unknown>;
  /** Telegram confirmed the token (getMe); false while Telegram was unreachable or after it refused the token. */
  verified: boolean;
  verified_at: string | null;
  /** Telegram's reason for refusing the token (a revoked token: "Unauthorized"); null when it works. */
  telegram_error: string | null;
  created_at: string;
}

export interface BotSettingsInput {
  title?: string;
  username?: string | null;
  admin_ids?: number[];
  ref_percent?: number;
  status?: 'active' | 'disabled';
  meta?: Record<string, unknown>;
}

/** A bot whose token can check Mini App initData and Login Widget data. */
export interface BotCredential {
  botId: number;
  token: string;
}

const TOKEN_PATTERN = /^(\d{1,20}):[A-Za-z0-9_-]{20,}$/;
/** Other instances may register bots; their tokens become usable for logins within this long. */
const CREDENTIALS_TTL_MS = 30_000;

/** Queues the deletion of a bot's message (a durable delayed job in production). */
export type ScheduleMessageDeletion = (payload: { bot_id: number; chat_id: number; message_id: number }, runAt: Date) => Promise<void>;

/** What the service queues: message deletions, and checks of tokens Telegram could not be asked about yet. */
export interface BotsQueue {
  scheduleDeletion: ScheduleMessageDeletion;
  /** Queues a getMe check of the bot's token that retries with backoff while Telegram is unreachable. */
  scheduleVerification: (botId: number) => Promise<void>;
}

/** What Telegram said about a token: who the bot is, or that it refuses the token. */
export type TokenCheck = { me: UserFromGetMe } | { refused: string };

/** Cache key whose invalidation tells every instance (through Redis) that a bot changed. */
const botKey = (botId: number) => `bot:${botId}`;
const BOT_KEY = /^bot:(\d+)$/;

/** Bots are the tenants. Tokens are sealed at rest and only ever leave as a Bot API client. */
export class BotsService {
  private readonly repo: BotsRepo;
  private readonly clients = new Map<number, Api>();
  private credentialsCache?: { loadedAt: number; list: Promise<BotCredential[]> };

  constructor(
    private readonly db: Db,
    private readonly secrets: SecretBox,
    private readonly telegram: TelegramOptions,
    private readonly cache: Cache,
    private readonly queue: BotsQueue,
    private readonly logger: Logger,
  ) {
    this.repo = new BotsRepo(db);
    // Another instance re-keyed or disabled a bot: its client and the login credentials are stale here too.
    cache.onInvalidate((keys) => {
      for (const key of keys) {
        const match = BOT_KEY.exec(key);
        if (match) this.forgetClient(Number(match[1]));
      }
    });
  }

  /**
   * Registers (or re-keys) a bot; its id is the number before the token's colon. Telegram is
   * asked who the bot is (getMe): a token it refuses is 422 with Telegram's reason; while it is
   * unreachable the bot is stored unverified and checked again in the background.
   */
  async register(input: { token: string } & BotSettingsInput): Promise<BotView> {
    const match = TOKEN_PATTERN.exec(input.token);
    if (!match) throw new AppError('INVALID_BOT_TOKEN', { message: 'Bot token must look like 123456:ABC-DEF...' });
    const botId = Number(match[1]);
    const check = await this.askTelegram(input.token);
    if ('refused' in check) throw check.refused;
    const me = 'me' in check ? check.me : null;
    await this.db.transaction(async (tx) => {
      await this.repo.upsert(
        {
          botId,
          title: input.title ?? '',
          // Telegram's username wins; without an answer the caller's (or the stored one) stands.
          ...(me ? { username: me.username, name: me.first_name } : input.username !== undefined && { username: input.username }),
          verifiedAt: me ? new Date() : null,
          telegramError: null,
          tokenEncrypted: this.secrets.seal(input.token),
          refPercent: input.ref_percent,
          status: input.status,
          meta: input.meta,
        },
        tx,
      );
      if (input.admin_ids) await this.repo.replaceAdmins(botId, [...new Set(input.admin_ids)], tx);
    });
    await this.changed(botId);
    if (!me) {
      this.logger.warn({ bot_id: botId, reason: 'unreachable' in check ? check.unreachable : null }, 'bot registered unverified: Telegram unreachable; checking again in the background');
      await this.queue.scheduleVerification(botId);
    }
    return this.get(botId);
  }

  /**
   * Asks Telegram about the bot's current token and stores the answer (username, name,
   * verified, or the refusal). Throws while Telegram is unreachable, so a job retries it.
   */
  async verify(botId: number): Promise<BotView> {
    const token = await this.tokenOf(botId);
    if (!token) throw notFound('bot token', botId);
    const check = await this.askTelegram(token);
    if ('unreachable' in check) throw new AppError('TELEGRAM_UNAVAILABLE', { message: `Telegram unreachable: ${check.unreachable}`, status: 502 });
    await this.recordTokenCheck(botId, token, 'me' in check ? check : { refused: check.refused.message });
    return this.get(botId);
  }

  /** Verifies every active bot with a token; one unreachable or refused bot does not stop the others. */
  async verifyAll(): Promise<void> {
    const bots = (await this.list()).filter((b) => b.has_token && b.status === 'active');
    for (const bot of bots) {
      await this.verify(bot.bot_id).catch((err: unknown) => this.logger.warn({ err, bot_id: bot.bot_id }, 'bot profile not refreshed'));
    }
  }

  /**
   * Stores what Telegram said about `token` (the bot role reports each start here), unless the
   * bot was re-keyed meanwhile. Writes only when something changed.
   */
  async recordTokenCheck(botId: number, token: string, check: TokenCheck): Promise<void> {
    const row = await this.repo.find(botId);
    if (!row?.tokenEncrypted || this.secrets.open(row.tokenEncrypted) !== token) return;
    const patch =
      'me' in check
        ? { username: check.me.username, name: check.me.first_name, telegramError: null, verifiedAt: row.verifiedAt ?? new Date() }
        : { telegramError: check.refused, verifiedAt: null };
    const same = Object.entries(patch).every(([key, value]) => row[key as keyof BotRow] === value);
    if (same) return;
    await this.repo.update(botId, patch);
    await this.changed(botId);
  }

  /**
   * Calls `listener` with the bot's id when a bot is registered, re-keyed, enabled or disabled,
   * on any instance (through Redis when configured). The bot role starts and stops bots on it.
   */
  onChange(listener: (botId: number) => void): () => void {
    return this.cache.onInvalidate((keys) => {
      for (const key of keys) {
        const match = BOT_KEY.exec(key);
        if (match) listener(Number(match[1]));
      }
    });
  }

  /** Changes a bot's settings (owner admins, referral percent, status, meta). */
  async update(botId: number, patch: BotSettingsInput): Promise<BotView> {
    const { admin_ids, ref_percent, ...rest } = patch;
    await this.db.transaction(async (tx) => {
      const row = await this.repo.update(botId, { ...rest, ...(ref_percent !== undefined && { refPercent: ref_percent }) }, tx);
      if (!row) throw notFound('bot', botId);
      if (admin_ids) await this.repo.replaceAdmins(botId, [...new Set(admin_ids)], tx);
    });
    await this.changed(botId);
    return this.get(botId);
  }

  async get(botId: number): Promise<BotView> {
    const row = await this.repo.find(botId);
    if (!row) throw notFound('bot', botId);
    return (await this.withAdmins([row]))[0];
  }

  async list(botIds: number[] | null = null): Promise<BotView[]> {
    return this.withAdmins(await this.repo.list(botIds));
  }

  /** Ids of the bots this Telegram user is an owner admin of. */
  async botsAdministeredBy(telegramId: number): Promise<number[]> {
    return this.repo.botsAdministeredBy(telegramId);
  }

  /** The bot's token, for running it (bot role). */
  async tokenOf(botId: number): Promise<string | null> {
    const row = await this.repo.find(botId);
    return row?.tokenEncrypted ? this.secrets.open(row.tokenEncrypted) : null;
  }

  /** Tokens of the active bots that have one: the bots the bot role runs. */
  async activeTokens(): Promise<string[]> {
    const views = (await this.list()).filter((v) => v.has_token && v.status === 'active');
    const tokens = await Promise.all(views.map((v) => this.tokenOf(v.bot_id)));
    return tokens.filter((t): t is string => t !== null);
  }

  /**
   * Active bots with a token, for checking initData and Login Widget signatures. Kept in memory
   * briefly: every Mini App request needs them.
   */
  async credentials(): Promise<BotCredential[]> {
    const now = Date.now();
    if (!this.credentialsCache || now - this.credentialsCache.loadedAt > CREDENTIALS_TTL_MS) {
      const list = this.repo.list(null).then((rows) =>
        rows.filter((r) => r.status === 'active' && r.tokenEncrypted).map((r) => ({ botId: r.botId, token: this.secrets.open(r.tokenEncrypted!) })),
      );
      this.credentialsCache = { loadedAt: now, list };
      list.catch(() => (this.credentialsCache = undefined));
    }
    return this.credentialsCache.list;
  }

  /** A Bot API client for the bot, or null when it has no token (state is then kept in the DB only). */
  async apiFor(botId: number | null): Promise<Api | null> {
    if (botId === null) return null;
    const cached = this.clients.get(botId);
    if (cached) return cached;
    const token = await this.tokenOf(botId);
    if (!token) return null;
    const api = createTelegramApi(token, this.telegram);
    this.clients.set(botId, api);
    return api;
  }

  /** Deletes one of the bot's messages after `afterSeconds` (auto-deleted welcomes); survives restarts. */
  async deleteMessageLater(botId: number, chatId: number, messageId: number, afterSeconds: number): Promise<void> {
    await this.queue.scheduleDeletion({ bot_id: botId, chat_id: chatId, message_id: messageId }, new Date(Date.now() + afterSeconds * 1000));
  }

  /** Tells this and every other instance that the bot changed (after the write committed). */
  private async changed(botId: number): Promise<void> {
    this.forgetClient(botId);
    await this.cache.invalidate(botKey(botId));
  }

  private forgetClient(botId: number): void {
    this.clients.delete(botId);
    this.credentialsCache = undefined;
  }

  /** getMe with the token, once (no retries: the caller decides what an unreachable Telegram means). */
  private async askTelegram(token: string): Promise<{ me: UserFromGetMe } | { refused: AppError } | { unreachable: string }> {
    try {
      return { me: await createTelegramApi(token, this.telegram, false).getMe() };
    } catch (err) {
      // 429 and 5xx say nothing about the token: Telegram is busy, not refusing it.
      if (err instanceof GrammyError && err.error_code !== 429 && err.error_code < 500) return { refused: telegramError(err) };
      return { unreachable: err instanceof Error ? err.message : String(err) };
    }
  }

  private async withAdmins(rows: BotRow[]): Promise<BotView[]> {
    const admins = await this.repo.adminsOf(rows.map((r) => r.botId));
    return rows.map((row) => toView(row, admins.filter((a) => a.botId === row.botId).map((a) => a.telegramId)));
  }
}

function toView(row: BotRow, adminIds: number[]): BotView {
  return {
    bot_id: row.botId,
    username: row.username,
    name: row.name,
    title: row.title,
    status: row.status,
    ref_percent: row.refPercent,
    has_token: row.tokenEncrypted !== null,
    admin_ids: adminIds,
    meta: row.meta,
    verified: row.verifiedAt !== null,
    verified_at: row.verifiedAt?.toISOString() ?? null,
    telegram_error: row.telegramError,
    created_at: row.createdAt.toISOString(),
  };
}
