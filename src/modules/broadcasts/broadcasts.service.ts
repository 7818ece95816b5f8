import { randomUUID } from 'node:crypto';
import Bottleneck from 'bottleneck';
import { GrammyError, type Api } from 'grammy';
import { Redis } from 'ioredis';
import pLimit, { type LimitFunction } from 'p-limit';
import type { InlineKeyboardButton } from 'grammy/types';
import type { Logger } from 'pino';
import type { Db } from '../../db/client.ts';
import { conflict, notFound } from '../../platform/errors.ts';
import { createTelegramApi, type TelegramOptions } from '../../platform/telegram.ts';
import type { BotsService } from '../bots/bots.service.ts';
import { BroadcastsRepo, type BroadcastRow, type RecipientResult } from './broadcasts.repo.ts';
import type { BroadcastButton, BroadcastFilter, BroadcastStatus } from './broadcasts.tables.ts';

export interface BroadcastInput {
  text: string;
  parse_mode?: 'HTML' | 'MarkdownV2' | 'Markdown';
  photo?: string;
  buttons?: BroadcastButton[][];
  filter?: BroadcastFilter;
}

export interface BroadcastView {
  id: number;
  public_id: string;
  bot_id: number;
  text: string;
  parse_mode: string | null;
  photo: string | null;
  buttons: BroadcastButton[][];
  filter: BroadcastFilter;
  status: BroadcastStatus;
  total: number;
  sent: number;
  failed: number;
  blocked: number;
  pending: number;
  progress: number;
  created_by: number | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export interface BroadcastsOptions {
  /** Messages per second per bot; 0 = unlimited. */
  ratePerSecond: number;
  batchSize: number;
  concurrency: number;
  leaseSeconds: number;
  sliceSeconds: number;
  telegram: TelegramOptions;
  /** With Redis, every worker process shares each bot's rate (one limiter per bot in Redis). */
  redis?: { url: string; prefix: string };
  /** Whether the bot's broadcasts switch is on; while it is off, running broadcasts pause. Always on when not given. */
  switchedOn?: (botId: number) => Promise<boolean>;
}

/** Hands the rest of a broadcast to the next job (the job engine in production). */
export interface BroadcastScheduler {
  continueLater(broadcastId: number, delayMs: number): Promise<void>;
}

const CANCEL_CHECK_MS = 250;
/** A paused broadcast looks at its switch this often: switching back on resumes it within this time. */
const PAUSED_RECHECK_MS = 5000;
const MAX_SEND_ATTEMPTS = 3;

/**
 * Broadcasts to a bot's users: recipients materialized at start, sent in claimed batches under a
 * per-bot rate limit, 429 pausing every send of the bot for retry_after, 403 marking the user as
 * blocked. Each recipient gets at most one message, even across worker crashes.
 */
export class BroadcastsService {
  readonly repo: BroadcastsRepo;
  private readonly limiters = new Map<number, Promise<Bottleneck>>();
  /** Per bot, with the rate lifted: only the number of sends in flight is bounded. */
  private readonly pools = new Map<number, LimitFunction>();
  private redisConnection?: Bottleneck.IORedisConnection;
  private readonly clients = new Map<number, Api>();
  /** Per bot: no send before this moment (a 429's retry_after). */
  private readonly pausedUntil = new Map<number, number>();

  constructor(
    private readonly db: Db,
    private readonly bots: BotsService,
    private readonly scheduler: BroadcastScheduler,
    private readonly options: BroadcastsOptions,
    private readonly logger: Logger,
  ) {
    this.repo = new BroadcastsRepo(db);
  }

  async create(botId: number, input: BroadcastInput, createdBy: number | null): Promise<BroadcastView> {
    await this.bots.get(botId);
    const row = await this.repo.insert({
      publicId: randomUUID(),
      botId,
      text: input.text,
      parseMode: input.parse_mode ?? null,
      photo: input.photo ?? null,
      buttons: input.buttons ?? [],
      filter: input.filter ?? { type: 'all' },
      createdBy,
    });
    return toView(row);
  }

  async list(botId: number, limit: number, offset: number) {
    const { items, total } = await this.repo.list(botId, limit, offset);
    return { items: items.map(toView), total, limit, offset };
  }

  async get(botId: number, publicId: string): Promise<BroadcastView> {
    return toView(await this.require(botId, publicId));
  }

  private async require(botId: number, publicId: string): Promise<BroadcastRow> {
    const row = await this.repo.findByPublicId(botId, publicId);
    if (!row) throw notFound('broadcast', publicId);
    return row;
  }

  /** Picks the recipients and starts sending; the send job is queued after the commit. */
  async start(botId: number, publicId: string): Promise<BroadcastView> {
    const draft = await this.require(botId, publicId);
    const started = await this.db.transaction(async (tx) => {
      const row = await this.repo.transition(draft.id, ['draft'], { status: 'running', startedAt: new Date() }, tx);
      if (!row) return undefined;
      const total = await this.repo.materializeRecipients(row.id, botId, row.filter, tx);
      return this.repo.transition(row.id, ['running'], { total, ...(total === 0 && { status: 'completed', finishedAt: new Date() }) }, tx);
    });
    if (!started) throw conflict('BROADCAST_NOT_DRAFT', `Broadcast ${publicId} was already started (${draft.status})`);
    if (started.status === 'running') await this.scheduler.continueLater(started.id, 0);
    return toView(started);
  }

  /** Stops a broadcast: workers notice within a quarter of a second and send nothing more. */
  async cancel(botId: number, publicId: string): Promise<BroadcastView> {
    const row = await this.require(botId, publicId);
    const cancelled = await this.repo.transition(row.id, ['draft', 'running'], { status: 'cancelled', finishedAt: new Date() });
    if (!cancelled) throw conflict('BROADCAST_FINISHED', `Broadcast ${publicId} is already ${row.status}`);
    return toView(cancelled);
  }

  /**
   * One job's share of a broadcast: claims and sends batches for up to `sliceSeconds`, then
   * queues the next job, so no job runs for an hour and a dead worker's share is picked up soon.
   */
  async sendSlice(broadcastId: number): Promise<void> {
    const broadcast = await this.repo.find(broadcastId);
    if (!broadcast || broadcast.status !== 'running') return;
    const switchedOn = () => this.options.switchedOn?.(broadcast.botId) ?? Promise.resolve(true);
    // Switched off: the broadcast stays running with its recipients pending, and looks again later.
    if (!(await switchedOn())) return await this.scheduler.continueLater(broadcastId, PAUSED_RECHECK_MS);
    const api = await this.clientFor(broadcast.botId);
    if (!api) {
      await this.repo.transition(broadcastId, ['running'], { status: 'cancelled', finishedAt: new Date() });
      this.logger.warn({ broadcastId }, 'broadcast stopped: the bot has no token');
      return;
    }
    await this.db.transaction((tx) => this.repo.releaseAbandoned(broadcastId, this.options.leaseSeconds, tx));
    const attempts = new AttemptLog((ids) => this.repo.markAttempted(broadcastId, ids));

    let cancelled = false;
    let paused = false;
    const watcher = setInterval(() => {
      this.repo.statusOf(broadcastId).then(
        (status) => (cancelled ||= status !== 'running'),
        () => undefined,
      );
      switchedOn().then(
        (on) => (paused ||= !on),
        () => undefined,
      );
    }, CANCEL_CHECK_MS);
    // A pause stops the slice like a cancel (unsent recipients go back to pending), then hands on.
    const stopped = () => cancelled || paused;
    const sliceEnd = Date.now() + this.options.sliceSeconds * 1000;
    const pace = await this.pacerFor(broadcast.botId);
    // At a limited rate a batch lasts about half a second: a crash leaves few recipients in doubt.
    const batchSize = this.options.ratePerSecond > 0 ? Math.max(1, Math.min(this.options.batchSize, Math.ceil(this.options.ratePerSecond / 2))) : this.options.batchSize;
    // Two batches overlap: the next one is claimed and queued on the limiter while the previous
    // one is still sending and being recorded, so the limiter never idles between batches.
    let previous: Promise<void> = Promise.resolve();
    try {
      for (;;) {
        if (stopped()) {
          await previous;
          if (paused && !cancelled) await this.scheduler.continueLater(broadcastId, PAUSED_RECHECK_MS);
          return;
        }
        const batch = await this.repo.claim(broadcastId, batchSize);
        if (batch.length === 0) {
          await previous;
          return await this.finishOrWait(broadcastId);
        }
        const sending = Promise.all(
          batch.map((chatId) =>
            pace(async () => {
              if (stopped()) return notSent(chatId);
              await attempts.mark(chatId);
              return this.sendOne(api, broadcast, chatId, stopped);
            }),
          ),
        ).then((results) =>
          this.db.transaction((tx) => this.repo.record(broadcastId, broadcast.botId, results, tx)),
        );
        // Its failure surfaces when it is awaited as `previous`; until then it counts as handled.
        sending.catch(() => undefined);
        await previous;
        previous = sending;
        if (Date.now() > sliceEnd) {
          await previous;
          return await this.scheduler.continueLater(broadcastId, 0);
        }
      }
    } finally {
      await Promise.allSettled([previous]);
      clearInterval(watcher);
    }
  }

  private async finishOrWait(broadcastId: number): Promise<void> {
    const { pending, sending } = await this.repo.inFlight(broadcastId);
    if (pending === 0 && sending === 0) {
      await this.repo.transition(broadcastId, ['running'], { status: 'completed', finishedAt: new Date() });
      return;
    }
    // Another worker still holds claimed rows (or died holding them): look again after its lease.
    await this.scheduler.continueLater(broadcastId, Math.min(this.options.leaseSeconds, 5) * 1000);
  }

  private async sendOne(api: Api, b: BroadcastRow, chatId: number, isCancelled: () => boolean): Promise<RecipientResult> {
    for (let attempt = 1; ; attempt++) {
      const wait = (this.pausedUntil.get(b.botId) ?? 0) - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (isCancelled()) return notSent(chatId);
      try {
        const markup = b.buttons.length > 0 ? { reply_markup: { inline_keyboard: b.buttons.map((row) => row.map(toButton)) } } : {};
        const parse = b.parseMode ? { parse_mode: b.parseMode } : {};
        const message = b.photo
          ? await api.sendPhoto(chatId, b.photo, { caption: b.text, ...parse, ...markup })
          : await api.sendMessage(chatId, b.text, { ...parse, ...markup });
        return { telegramId: chatId, state: 'sent', messageId: message.message_id, error: null };
      } catch (err) {
        if (err instanceof GrammyError) {
          if (err.error_code === 429) {
            const seconds = err.parameters.retry_after ?? 1;
            this.pausedUntil.set(b.botId, Math.max(this.pausedUntil.get(b.botId) ?? 0, Date.now() + seconds * 1000));
            continue;
          }
          if (err.error_code === 403) return { telegramId: chatId, state: 'blocked', messageId: null, error: err.description };
          if (err.error_code < 500 || attempt >= MAX_SEND_ATTEMPTS) return { telegramId: chatId, state: 'failed', messageId: null, error: err.description };
        } else if (attempt >= MAX_SEND_ATTEMPTS) {
          return { telegramId: chatId, state: 'failed', messageId: null, error: (err as Error).message };
        }
        await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
      }
    }
  }

  /**
   * What paces a bot's sends; every broadcast of the bot shares it. At a rate, a Bottleneck
   * limiter, clustered through Redis when configured so that all worker processes together keep
   * the rate. With the rate lifted, p-limit bounds the sends in flight: a local Bottleneck yields
   * to a timer on every job and would cap the sender at about 400 messages a second.
   */
  private async pacerFor(botId: number): Promise<<T>(send: () => Promise<T>) => Promise<T>> {
    if (this.options.ratePerSecond <= 0) {
      let pool = this.pools.get(botId);
      if (!pool) {
        pool = pLimit(this.options.concurrency);
        this.pools.set(botId, pool);
      }
      return pool;
    }
    let limiter = this.limiters.get(botId);
    if (!limiter) {
      limiter = this.createLimiter(botId);
      // A failed start (Redis unreachable) is not cached: the job's retry tries again.
      limiter.catch(() => this.limiters.delete(botId));
      this.limiters.set(botId, limiter);
    }
    const ready = await limiter;
    return (send) => ready.schedule(send);
  }

  private async createLimiter(botId: number): Promise<Bottleneck> {
    const rate = this.options.ratePerSecond;
    const { redis } = this.options;
    if (!redis) return new Bottleneck({ minTime: 1000 / rate, maxConcurrent: Math.max(1, Math.ceil(rate)) });
    this.redisConnection ??= new Bottleneck.IORedisConnection({ Redis, client: new Redis(redis.url, { maxRetriesPerRequest: 2 }) });
    // minTime alone spaces the sends cluster-wide. No maxConcurrent: a worker killed mid-send would
    // hold its slots in Redis forever. The state expires after an idle hour.
    // Bottleneck's Redis scripts take whole milliseconds: the default 30/s (33.3 ms) failed every send. Rounded up, the rate stays under the limit.
    const settings = { minTime: Math.ceil(1000 / rate) };
    const limiter = new Bottleneck({
      ...settings,
      id: `${redis.prefix}broadcast:${botId}`,
      datastore: 'ioredis',
      connection: this.redisConnection,
      timeout: 3_600_000,
    });
    limiter.on('error', (err: Error) => this.logger.warn({ err: err.message, botId }, 'broadcast rate limiter error'));
    // The first process to create the limiter wrote its settings; a changed rate applies from here on.
    await limiter.updateSettings(settings);
    return limiter;
  }

  private async clientFor(botId: number): Promise<Api | null> {
    const cached = this.clients.get(botId);
    if (cached) return cached;
    const token = await this.bots.tokenOf(botId);
    if (!token) return null;
    const api = createTelegramApi(token, this.options.telegram, false);
    this.clients.set(botId, api);
    return api;
  }

  /** The user blocked the bot (their private chat says `kicked`): later broadcasts skip them. */
  async recordBlock(botId: number, telegramId: number): Promise<void> {
    await this.repo.upsertBlocks(botId, [telegramId]);
  }

  /**
   * The user can be reached again (they wrote to the bot, or unblocked it): later broadcasts
   * include them. False when they were not recorded as blocked.
   */
  async clearBlock(botId: number, telegramId: number): Promise<boolean> {
    const cleared = await this.repo.deleteBlock(botId, telegramId);
    if (cleared) this.logger.info({ botId, telegramId }, 'user unblocked the bot: included in broadcasts again');
    return cleared;
  }

  /** Resumes broadcasts left running (after a restart), without double sends: claimed rows stay claimed. */
  async resumeRunning(): Promise<number> {
    const running = await this.repo.running();
    for (const b of running) await this.scheduler.continueLater(b.id, 0);
    return running.length;
  }

  async stop(): Promise<void> {
    const limiters = await Promise.allSettled(this.limiters.values());
    await Promise.all(limiters.map((l) => (l.status === 'fulfilled' ? l.value.disconnect() : undefined)));
    // Limiters on a shared connection leave it open.
    await this.redisConnection?.disconnect();
  }
}

/** Not sent (the broadcast was cancelled): back to pending, so a resumed broadcast can still reach this user. */
const notSent = (telegramId: number): RecipientResult => ({ telegramId, state: 'pending', messageId: null, error: null });

/**
 * Marks recipients `sending` right before their sends start, so that a crash leaves only the sends
 * really under way in doubt. Marks that arrive while a write is in flight go together in the next
 * one: one statement per wave of sends, not one per message.
 */
class AttemptLog {
  private waiting: { telegramId: number; done: (err?: unknown) => void }[] = [];
  private writing = false;

  constructor(private readonly write: (telegramIds: number[]) => Promise<void>) {}

  mark(telegramId: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ telegramId, done: (err) => (err ? reject(err) : resolve()) });
      if (!this.writing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.writing = true;
    // Sends released together (a limiter filling its slots) arrive within one turn of the loop.
    await new Promise((r) => setImmediate(r));
    while (this.waiting.length > 0) {
      const wave = this.waiting.splice(0);
      const failure = await this.write(wave.map((w) => w.telegramId)).then(
        () => undefined,
        (err: unknown) => err ?? new Error('marking sends failed'),
      );
      for (const w of wave) w.done(failure);
    }
    this.writing = false;
  }
}

function toButton(b: BroadcastButton): InlineKeyboardButton {
  if (b.web_app_url) return { text: b.text, web_app: { url: b.web_app_url } };
  return { text: b.text, url: b.url ?? '' };
}

function toView(row: BroadcastRow): BroadcastView {
  const done = row.sent + row.failed + row.blocked;
  return {
    id: row.id,
    public_id: row.publicId,
    bot_id: row.botId,
    text: row.text,
    parse_mode: row.parseMode,
    photo: row.photo,
    buttons: row.buttons,
    filter: row.filter,
    status: row.status,
    total: row.total,
    sent: row.sent,
    failed: row.failed,
    blocked: row.blocked,
    pending: Math.max(0, row.total - done),
    progress: row.total === 0 ? (row.status === 'completed' ? 100 : 0) : Math.round((done / row.total) * 1000) / 10,
    created_by: row.createdBy,
    created_at: row.createdAt.toISOString(),
    started_at: row.startedAt?.toISOString() ?? null,
    finished_at: row.finishedAt?.toISOString() ?? null,
  };
}
