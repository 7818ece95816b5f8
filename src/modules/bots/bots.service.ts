import type { Api } from 'grammy';
import type { Db } from '../../db/client.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import type { SecretBox } from '../../platform/secret-box.ts';
import { createTelegramApi, type TelegramOptions } from '../../platform/telegram.ts';
import { BotsRepo, type BotRow } from './bots.repo.ts';

export interface BotView {
  bot_id: number;
  username: string | null;
  title: string;
  status: string;
  ref_percent: number;
  has_token: boolean;
  admin_ids: number[];
  meta: Record<string, unknown>;
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

/** Bots are the tenants. Tokens are sealed at rest and only ever leave as a Bot API client. */
export class BotsService {
  private readonly repo: BotsRepo;
  private readonly clients = new Map<number, Api>();
  private credentialsCache?: { loadedAt: number; list: Promise<BotCredential[]> };

  constructor(
    private readonly db: Db,
    private readonly secrets: SecretBox,
    private readonly telegram: TelegramOptions,
    private readonly scheduleDeletion: ScheduleMessageDeletion,
  ) {
    this.repo = new BotsRepo(db);
  }

  /** Registers (or re-keys) a bot; its id is the number before the token's colon. */
  async register(input: { token: string } & BotSettingsInput): Promise<BotView> {
    const match = TOKEN_PATTERN.exec(input.token);
    if (!match) throw new AppError('INVALID_BOT_TOKEN', { message: 'Bot token must look like 123456:ABC-DEF...' });
    const botId = Number(match[1]);
    await this.db.transaction(async (tx) => {
      await this.repo.upsert(
        {
          botId,
          title: input.title ?? '',
          username: input.username ?? null,
          tokenEncrypted: this.secrets.seal(input.token),
          refPercent: input.ref_percent,
          status: input.status,
          meta: input.meta,
        },
        tx,
      );
      if (input.admin_ids) await this.repo.replaceAdmins(botId, [...new Set(input.admin_ids)], tx);
    });
    this.forgetClient(botId);
    return this.get(botId);
  }

  /** Changes a bot's settings (owner admins, referral percent, status, meta). */
  async update(botId: number, patch: BotSettingsInput): Promise<BotView> {
    const { admin_ids, ref_percent, ...rest } = patch;
    await this.db.transaction(async (tx) => {
      const row = await this.repo.update(botId, { ...rest, ...(ref_percent !== undefined && { refPercent: ref_percent }) }, tx);
      if (!row) throw notFound('bot', botId);
      if (admin_ids) await this.repo.replaceAdmins(botId, [...new Set(admin_ids)], tx);
    });
    this.forgetClient(botId);
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
    await this.scheduleDeletion({ bot_id: botId, chat_id: chatId, message_id: messageId }, new Date(Date.now() + afterSeconds * 1000));
  }

  private forgetClient(botId: number): void {
    this.clients.delete(botId);
    this.credentialsCache = undefined;
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
    title: row.title,
    status: row.status,
    ref_percent: row.refPercent,
    has_token: row.tokenEncrypted !== null,
    admin_ids: adminIds,
    meta: row.meta,
    created_at: row.createdAt.toISOString(),
  };
}
