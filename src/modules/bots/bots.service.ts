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
  meta: Record<string, unknown>;
  created_at: string;
}

const TOKEN_PATTERN = /^(\d{1,20}):[A-Za-z0-9_-]{20,}$/;

/** Bots are the tenants. Tokens are sealed at rest and only ever leave as a Bot API client. */
export class BotsService {
  private readonly repo: BotsRepo;
  private readonly clients = new Map<number, Api>();

  constructor(
    db: Db,
    private readonly secrets: SecretBox,
    private readonly telegram: TelegramOptions,
  ) {
    this.repo = new BotsRepo(db);
  }

  /** Registers (or re-keys) a bot; its id is the number before the token's colon. */
  async register(input: { token: string; title?: string; username?: string | null }): Promise<BotView> {
    const match = TOKEN_PATTERN.exec(input.token);
    if (!match) throw new AppError('INVALID_BOT_TOKEN', { message: 'Bot token must look like 123456:ABC-DEF...' });
    const botId = Number(match[1]);
    const row = await this.repo.upsert({
      botId,
      title: input.title ?? '',
      username: input.username ?? null,
      tokenEncrypted: this.secrets.seal(input.token),
    });
    this.clients.delete(botId);
    return toView(row);
  }

  async get(botId: number): Promise<BotView> {
    const row = await this.repo.find(botId);
    if (!row) throw notFound('bot', botId);
    return toView(row);
  }

  async list(botIds: number[] | null = null): Promise<BotView[]> {
    return (await this.repo.list(botIds)).map(toView);
  }

  /** The bot's token, for running it (bot role). */
  async tokenOf(botId: number): Promise<string | null> {
    const row = await this.repo.find(botId);
    return row?.tokenEncrypted ? this.secrets.open(row.tokenEncrypted) : null;
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
}

function toView(row: BotRow): BotView {
  return {
    bot_id: row.botId,
    username: row.username,
    title: row.title,
    status: row.status,
    ref_percent: row.refPercent,
    has_token: row.tokenEncrypted !== null,
    meta: row.meta,
    created_at: row.createdAt.toISOString(),
  };
}
