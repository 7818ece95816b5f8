import { randomUUID } from 'node:crypto';
import { GrammyError, InputMediaBuilder, type Api } from 'grammy';
import type { Logger } from 'pino';
import type { Db } from '../../db/client.ts';
import { isUniqueViolation } from '../../db/rows.ts';
import { inTransaction } from '../../db/transaction.ts';
import { AppError, conflict, notFound } from '../../platform/errors.ts';
import type { Cache } from '../../platform/cache.ts';
import type { BotsService } from '../bots/bots.service.ts';
import type { LedgerService } from '../ledger/ledger.service.ts';
import type { UsersService } from '../users/users.service.ts';
import { DEFAULT_CATALOG, SIZES, variantKey } from './generations.catalog.ts';
import { ProviderError, type ImageProvider } from './generations.provider.ts';
import { GenerationsRepo, type GenerationRow, type ModelRow, type PriceRow } from './generations.repo.ts';
import type { GenerationLanguage, GenerationStatus, ModelKind, ModelOptions } from './generations.tables.ts';

export interface ModelView {
  model_id: string;
  kind: ModelKind;
  name: string;
  is_active: boolean;
  /** Credits for the default choice. */
  price: number;
  prices: Record<string, number>;
  price_by: string[];
  options: ModelOptions;
  supports_edit: boolean;
  trial_eligible: boolean;
  avg_duration_seconds: number;
  quality: string | null;
  provider_model: string;
  provider_edit_model: string | null;
}

export interface GenerationView {
  id: string;
  generation_id: string;
  telegram_id: number;
  kind: ModelKind;
  model_id: string;
  status: GenerationStatus;
  prompt: string | null;
  cost: number;
  trial: boolean;
  error: string | null;
  results: string[];
  chat_id: number | null;
  message_id: number | null;
  prompt_message_id: number | null;
  language: GenerationLanguage;
  refunded: boolean;
  created_at: string;
  completed_at: string | null;
  refunded_at: string | null;
}

/** The user's choices; which apply depends on the model. */
export interface GenerationChoice {
  model_id: string;
  size?: string;
  aspect_ratio?: string;
  resolution?: string;
  quality?: string;
  input_fidelity?: string;
  output_format?: string;
  image_urls?: string[];
  mode?: 't2i' | 'i2i';
  /** Tools. */
  image_url?: string;
  target_resolution?: string;
  model?: string;
}

export interface SubmitInput extends GenerationChoice {
  telegram_id: number;
  prompt?: string;
  chat_id?: number;
  message_id?: number;
  prompt_message_id?: number;
  language?: GenerationLanguage;
  /** Use the user's free trial when the model allows it (default: yes when available). */
  use_trial?: boolean;
}

export interface GenerationsOptions {
  /** Credits per US dollar of provider cost (seed prices: 27 credits = $0.027). */
  creditsPerUsd: number;
  /** Provider balance (USD) kept in reserve: below it submissions pause with 503. */
  minBalanceUsd: number;
  deadlineSeconds: number;
  pollInitialSeconds: number;
  pollMaxSeconds: number;
  balanceTtlSeconds: number;
  catalogTtlSeconds: number;
}

/** Schedules the next look at a generation; the job engine in production, after commit. */
export interface GenerationScheduler {
  schedulePoll(generationId: string, delayMs: number): Promise<void>;
}

/** `failed`: what was given back, credits or the trial (none when nothing was). */
type GivenBack = { credits: number } | { trial: true } | null;

const CAPTIONS: Record<GenerationLanguage, { done: (model: string, cost: number, trial: boolean) => string; failed: (back: GivenBack) => string }> = {
  uz: {
    done: (model, cost, trial) => `✅ Tayyor! Model: ${model}\n${trial ? '🎁 Bepul sinov' : `💳 ${cost} kredit sarflandi`}`,
    failed: (back) => `❌ Generatsiya amalga oshmadi.${back === null ? '' : 'credits' in back ? ` ${back.credits} kredit balansingizga qaytarildi.` : ' Bepul sinov sizga qaytarildi.'}`,
  },
  ru: {
    done: (model, cost, trial) => `✅ Готово! Модель: ${model}\n${trial ? '🎁 Бесплатная проба' : `💳 Списано кредитов: ${cost}`}`,
    failed: (back) => `❌ Генерация не удалась.${back === null ? '' : 'credits' in back ? ` ${back.credits} кредитов возвращено на баланс.` : ' Бесплатная проба снова доступна.'}`,
  },
  en: {
    done: (model, cost, trial) => `✅ Done! Model: ${model}\n${trial ? '🎁 Free trial' : `💳 ${cost} credits spent`}`,
    failed: (back) => `❌ Generation failed.${back === null ? '' : 'credits' in back ? ` ${back.credits} credits were returned to your balance.` : ' Your free trial is available again.'}`,
  },
};

const BALANCE_KEY = 'provider:balance';
const refundKey = (id: string) => `generation:${id}:refund`;

/**
 * Paid AI generations: the catalog and its prices, submission (credits debited in the
 * transaction that creates the generation), the provider task followed to its end by a polling
 * job, the result pushed to the user's chat, and a refund, exactly once, when it fails.
 */
export class GenerationsService {
  readonly repo: GenerationsRepo;
  private readonly seeded = new Set<number>();
  /** Set when the provider said the account is empty; submissions pause until a fresh balance check passes. */
  private pausedUntil = 0;

  constructor(
    private readonly db: Db,
    private readonly cache: Cache,
    private readonly ledger: LedgerService,
    private readonly users: UsersService,
    private readonly bots: BotsService,
    private readonly provider: ImageProvider,
    private readonly scheduler: GenerationScheduler,
    private readonly options: GenerationsOptions,
    private readonly logger: Logger,
  ) {
    this.repo = new GenerationsRepo(db);
  }

  // --- catalog -------------------------------------------------------------

  /** The bot's models with prices (seeded with seed 004's catalog on first use). */
  async catalog(botId: number): Promise<ModelView[]> {
    return this.cache.getOrLoad(`catalog:${botId}`, this.options.catalogTtlSeconds, async () => {
      await this.bots.get(botId);
      if (!this.seeded.has(botId)) {
        await this.repo.seedCatalog(botId, DEFAULT_CATALOG);
        this.seeded.add(botId);
      }
      const [models, prices] = await Promise.all([this.repo.models(botId), this.repo.prices(botId)]);
      return models.map((m) => toModelView(m, prices));
    });
  }

  async activeModels(botId: number, kind?: ModelKind): Promise<ModelView[]> {
    return (await this.catalog(botId)).filter((m) => m.is_active && (!kind || m.kind === kind));
  }

  async adminModels(botId: number): Promise<(ModelView & { generation_count: number })[]> {
    const [models, counts] = await Promise.all([this.catalog(botId), this.repo.generationCounts(botId)]);
    return models.map((m) => ({ ...m, generation_count: counts.get(m.model_id) ?? 0 }));
  }

  async updateModel(botId: number, modelId: string, patch: { is_active?: boolean; name?: string }): Promise<ModelView> {
    await this.catalog(botId);
    const row = await this.repo.updateModel(botId, modelId, { ...(patch.is_active !== undefined && { isActive: patch.is_active }), ...(patch.name !== undefined && { name: patch.name }) });
    if (!row) throw notFound('model', modelId);
    return this.modelAfterChange(botId, modelId);
  }

  /** Sets the credits of one price variant (`default` unless the model is priced by options). */
  async setPrice(botId: number, modelId: string, credits: number, variant: string | undefined, actorId: number | null): Promise<ModelView> {
    const model = (await this.catalog(botId)).find((m) => m.model_id === modelId);
    if (!model) throw notFound('model', modelId);
    const key = variant ?? 'default';
    if (key !== 'default' && !(key in model.prices)) {
      throw new AppError('UNKNOWN_PRICE_VARIANT', { message: `Model ${modelId} has no price variant ${key}`, details: { variants: Object.keys(model.prices) } });
    }
    await this.repo.setPrice({ botId, modelId, variant: key, credits, updatedBy: actorId });
    return this.modelAfterChange(botId, modelId);
  }

  private async modelAfterChange(botId: number, modelId: string): Promise<ModelView> {
    await this.cache.invalidate(`catalog:${botId}`);
    return (await this.catalog(botId)).find((m) => m.model_id === modelId)!;
  }

  /** Hosts a user's image at the provider, for image-to-image and tools. */
  async upload(file: { data: Buffer; filename: string; contentType: string }): Promise<{ url: string }> {
    if (!this.provider.configured) throw new AppError('PROVIDER_NOT_CONFIGURED', { message: 'Uploads are not available: no provider is configured', status: 503 });
    return this.provider.upload(file);
  }

  sizes() {
    return SIZES;
  }

  // --- pricing -------------------------------------------------------------

  /** What the choice costs, in credits, and what would be sent to the provider. */
  async quote(botId: number, choice: GenerationChoice, kind?: ModelKind) {
    const model = (await this.activeModels(botId, kind)).find((m) => m.model_id === choice.model_id);
    if (!model) throw notFound('model', choice.model_id);
    return { model, ...priceOf(model, choice) };
  }

  // --- submission ----------------------------------------------------------

  /**
   * Starts a generation: checks the provider can take it, then in one transaction uses the
   * trial or debits the credits and creates the generation; the polling job is queued after commit.
   */
  async submit(botId: number, input: SubmitInput, kind: ModelKind = 'image'): Promise<{ generation: GenerationView; balance: number }> {
    const { model, credits, providerModel, providerInput } = await this.quote(botId, input, kind);
    if (kind === 'image' && !input.prompt?.trim()) throw new AppError('PROMPT_REQUIRED', { message: 'A prompt is required' });
    await this.assertProviderReady(credits);
    const user = await this.users.require(botId, input.telegram_id);
    if (user.isBanned) throw new AppError('USER_BANNED', { message: 'This user is banned', status: 403 });
    const active = await this.repo.activeOf(user.id);
    if (active) throw inProgress(active.id);

    const id = randomUUID();
    const wantsTrial = model.trial_eligible && input.use_trial !== false;
    let created: { row: GenerationRow; balance: number };
    try {
      created = await inTransaction(this.db, async (tx) => {
        await this.ledger.lockUsers([user.id], tx);
        const trial = wantsTrial ? await this.users.useTrial(user.id, 'generation', tx, { generation_id: id, model_id: model.model_id }) : false;
        const cost = trial ? 0 : credits;
        const row = await this.repo.insert(
          {
            id,
            botId,
            userId: user.id,
            telegramId: input.telegram_id,
            kind,
            modelId: model.model_id,
            providerModel,
            prompt: input.prompt ?? null,
            input: kind === 'image' ? { prompt: input.prompt, ...providerInput } : providerInput,
            cost,
            trial,
            chatId: input.chat_id ?? null,
            messageId: input.message_id ?? null,
            promptMessageId: input.prompt_message_id ?? null,
            language: input.language ?? languageOf(user.languageCode),
            deadlineAt: new Date(Date.now() + this.options.deadlineSeconds * 1000),
          },
          this.provider.name,
          tx,
        );
        const balance = cost > 0 ? (await this.ledger.spend(user.id, cost, 'generation', `generation:${id}`, tx, { generation_id: id, model_id: model.model_id })).balance : user.balance;
        return { row, balance };
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw inProgress(null);
      throw err;
    }
    await this.scheduler.schedulePoll(id, 0);
    return { generation: await this.view(created.row), balance: created.balance };
  }

  /** 503 while the provider is not configured or its balance cannot cover the job plus the reserve. */
  private async assertProviderReady(credits: number): Promise<void> {
    if (!this.provider.configured) throw new AppError('PROVIDER_NOT_CONFIGURED', { message: 'Generations are not available: no provider is configured', status: 503 });
    let balanceUsd: number;
    try {
      balanceUsd = await this.cache.getOrLoad(BALANCE_KEY, this.options.balanceTtlSeconds, () => this.provider.balance());
    } catch (err) {
      // An unreachable balance endpoint must not stop sales; the job retries the provider itself.
      this.logger.warn({ err: (err as Error).message }, 'provider balance check failed');
      return;
    }
    const needed = credits / this.options.creditsPerUsd + this.options.minBalanceUsd;
    if (Date.now() < this.pausedUntil || balanceUsd < needed) {
      throw new AppError('PROVIDER_BALANCE_LOW', {
        message: 'Generations are paused: the provider balance is too low. Please try again later.',
        status: 503,
        details: { paused: true },
      });
    }
  }

  private async pauseSubmissions(): Promise<void> {
    this.pausedUntil = Date.now() + this.options.balanceTtlSeconds * 1000;
    await this.cache.invalidate(BALANCE_KEY);
  }

  // --- reading -------------------------------------------------------------

  async get(botId: number, id: string): Promise<GenerationView> {
    return this.view(await this.require(botId, id));
  }

  async require(botId: number, id: string): Promise<GenerationRow> {
    const row = await this.repo.find(id);
    if (!row || row.botId !== botId) throw notFound('generation', id);
    return row;
  }

  async active(botId: number, telegramId: number): Promise<GenerationView | null> {
    const user = await this.users.require(botId, telegramId);
    const row = await this.repo.activeOf(user.id);
    return row ? this.view(row) : null;
  }

  async list(filter: { botId: number; status?: GenerationStatus; telegramId?: number }, limit: number, offset: number) {
    const { items, total } = await this.repo.list(filter, limit, offset);
    return { items: await Promise.all(items.map((r) => this.view(r, false))), total, limit, offset };
  }

  /** Seed 004's queue view: in flight (queued = not yet at the provider, running = at the provider), and finished but not yet pushed. */
  async queue(botId: number) {
    const counts = await this.repo.statusCounts(botId);
    return { active: counts.pending + counts.processing, queued: counts.pending, running: counts.processing, pending: counts.undelivered };
  }

  // --- following the provider ---------------------------------------------

  /**
   * One step of the polling job: submits the task if it has not reached the provider, reads its
   * state, and finishes the generation or schedules the next look with backoff.
   */
  async advance(id: string): Promise<void> {
    const gen = await this.repo.find(id);
    if (!gen) return;
    if (gen.status === 'completed' || gen.status === 'failed') return this.deliver(gen);
    const job = await this.repo.findJob(id);
    const polls = job?.polls ?? 0;
    let taskId = job?.providerTaskId ?? null;
    if (!taskId) {
      try {
        taskId = (await this.provider.submit(gen.providerModel, gen.input)).taskId;
        await this.repo.recordSubmitted(id, taskId);
      } catch (err) {
        if (err instanceof ProviderError && err.failure !== 'unavailable') {
          if (err.failure === 'insufficient_balance') await this.pauseSubmissions();
          return this.fail(gen, err.message);
        }
        if (Date.now() > gen.deadlineAt.getTime()) return this.fail(gen, 'The provider was unavailable until the deadline');
        await this.repo.recordPoll(id, 'submit_retry', false);
        return this.scheduler.schedulePoll(id, this.backoffMs(polls));
      }
    }
    await this.check(gen, taskId, polls);
  }

  /** Polls the provider now (`POST /generations/{id}/refresh`) and returns the fresh state. */
  async refresh(botId: number, id: string): Promise<GenerationView> {
    const gen = await this.require(botId, id);
    const job = await this.repo.findJob(id);
    if ((gen.status === 'pending' || gen.status === 'processing') && job?.providerTaskId) {
      await this.check(gen, job.providerTaskId, job.polls, false);
    }
    return this.get(botId, id);
  }

  private async check(gen: GenerationRow, taskId: string, polls: number, scheduleNext = true): Promise<void> {
    let result;
    try {
      result = await this.provider.result(taskId);
    } catch (err) {
      if (err instanceof ProviderError && err.failure === 'rejected') return this.fail(gen, `The provider lost the task: ${err.message}`);
      // 5xx, timeouts: the task is still there; look again later.
      result = { state: 'running' as const, status: 'unreachable', outputs: [], error: null };
    }
    await this.repo.recordPoll(gen.id, result.status, result.state === 'completed');
    if (result.state === 'completed') {
      if (result.outputs.length === 0) return this.fail(gen, 'The provider returned no images');
      return this.complete(gen, result.outputs);
    }
    if (result.state === 'failed') return this.fail(gen, result.error ?? 'The provider failed the task');
    if (Date.now() > gen.deadlineAt.getTime()) return this.fail(gen, 'Timed out waiting for the provider');
    if (scheduleNext) await this.scheduler.schedulePoll(gen.id, this.backoffMs(polls + 1));
  }

  private backoffMs(polls: number): number {
    const seconds = Math.min(this.options.pollMaxSeconds, this.options.pollInitialSeconds * 1.5 ** polls);
    return Math.round(seconds * 1000);
  }

  private async complete(gen: GenerationRow, outputs: string[]): Promise<void> {
    const finished = await this.db.transaction(async (tx) => {
      const row = await this.repo.finish(gen.id, 'completed', null, tx);
      if (row) await this.repo.insertResults(gen.id, outputs, tx);
      return row;
    });
    if (finished) await this.deliver(finished);
  }

  /**
   * Fails an in-flight generation and, in the same transaction, refunds its credits or gives its
   * trial back; only the first caller does any of it.
   */
  async fail(gen: GenerationRow, reason: string): Promise<void> {
    const finished = await inTransaction(this.db, async (tx) => {
      await this.ledger.lockUsers([gen.userId], tx);
      const row = await this.repo.finish(gen.id, 'failed', reason.slice(0, 500), tx);
      if (row && (row.cost > 0 || row.trial) && (await this.repo.markRefunded(gen.id, tx))) {
        if (row.cost > 0) await this.ledger.credit(row.userId, row.cost, 'refund', refundKey(gen.id), tx, { generation_id: gen.id, reason: 'generation_failed' });
        if (row.trial) await this.users.returnTrial(row.userId, 'generation', { generation_id: gen.id }, tx);
      }
      return row;
    });
    if (finished) {
      this.logger.info({ generationId: gen.id, reason }, 'generation failed and refunded');
      await this.deliver(finished);
    }
  }

  /**
   * Pushes the result (or the failure notice) to the user's chat, once. A Telegram refusal that
   * will not change (blocked, chat gone) ends the attempt; anything else is thrown for a retry.
   */
  async deliver(gen: GenerationRow): Promise<void> {
    if (gen.notifiedAt) return;
    const api = await this.bots.apiFor(gen.botId);
    if (!api || !(await this.repo.claimNotification(gen.id))) return;
    try {
      const fresh = (await this.repo.find(gen.id))!;
      if (fresh.status === 'completed') await this.pushResult(api, fresh);
      else await this.pushFailure(api, fresh);
    } catch (err) {
      if (err instanceof GrammyError && (err.error_code === 403 || err.error_code === 400)) {
        this.logger.warn({ generationId: gen.id, telegram: err.description }, 'generation push refused by Telegram');
        return;
      }
      await this.repo.releaseNotification(gen.id);
      throw err;
    }
  }

  private async pushResult(api: Api, gen: GenerationRow): Promise<void> {
    const chatId = gen.chatId ?? gen.telegramId;
    const urls = await this.repo.results(gen.id);
    const model = (await this.catalog(gen.botId)).find((m) => m.model_id === gen.modelId)?.name ?? gen.modelId;
    const caption = CAPTIONS[gen.language].done(model, gen.cost, gen.trial);
    const replyTo = gen.promptMessageId ?? undefined;
    const reply = replyTo ? { reply_parameters: { message_id: replyTo, allow_sending_without_reply: true } } : {};
    if (urls.length === 1) {
      await api.sendPhoto(chatId, urls[0], { caption, ...reply });
    } else {
      await api.sendMediaGroup(chatId, urls.slice(0, 10).map((url, i) => InputMediaBuilder.photo(url, i === 0 ? { caption } : {})), reply);
    }
    // The "generating..." message the bot showed is no longer needed.
    if (gen.messageId) await api.deleteMessage(chatId, gen.messageId).catch(() => undefined);
  }

  private async pushFailure(api: Api, gen: GenerationRow): Promise<void> {
    const chatId = gen.chatId ?? gen.telegramId;
    const back: GivenBack = !gen.refundedAt ? null : gen.cost > 0 ? { credits: gen.cost } : gen.trial ? { trial: true } : null;
    const text = CAPTIONS[gen.language].failed(back);
    if (gen.messageId) {
      const edited = await api.editMessageText(chatId, gen.messageId, text).then(
        () => true,
        () => false,
      );
      if (edited) return;
    }
    await api.sendMessage(chatId, text, gen.promptMessageId ? { reply_parameters: { message_id: gen.promptMessageId, allow_sending_without_reply: true } } : {});
  }

  // --- admin ---------------------------------------------------------------

  /** Gives the credits of a generation back (once, whoever asks first: an admin or the failure path). */
  async refund(botId: number, id: string, actorId: number | null, reason: string | null) {
    const gen = await this.require(botId, id);
    if (gen.cost === 0) throw conflict('NOTHING_TO_REFUND', `Generation ${id} cost nothing (trial)`);
    if (gen.refundedAt) throw conflict('ALREADY_REFUNDED', `Generation ${id} was already refunded`);
    const result = await inTransaction(this.db, async (tx) => {
      await this.ledger.lockUsers([gen.userId], tx);
      if (!(await this.repo.markRefunded(id, tx))) return null;
      // A refund of a generation still in flight also stops it: the user has their credits back.
      await this.repo.finish(id, 'failed', 'Refunded by an admin', tx);
      return this.ledger.credit(gen.userId, gen.cost, 'refund', refundKey(id), tx, { generation_id: id, reason: reason ?? 'admin_refund', actor_id: actorId });
    });
    if (!result) throw conflict('ALREADY_REFUNDED', `Generation ${id} was already refunded`);
    return { generation_id: id, refunded: true, amount: gen.cost, balance: result.balance };
  }

  // --- scheduled -----------------------------------------------------------

  /** Hourly: fails and refunds generations whose polling was lost past the deadline, and retries lost pushes. */
  async cleanupExpired(): Promise<{ expired: number; redelivered: number }> {
    const overdue = await this.repo.overdue(60_000, 500);
    for (const gen of overdue) await this.fail(gen, 'Timed out waiting for the provider');
    const undelivered = await this.repo.undelivered(5 * 60_000, 500);
    let redelivered = 0;
    for (const gen of undelivered) {
      try {
        await this.deliver(gen);
        redelivered++;
      } catch (err) {
        this.logger.warn({ err: (err as Error).message, generationId: gen.id }, 'generation push retry failed');
      }
    }
    return { expired: overdue.length, redelivered };
  }

  async view(row: GenerationRow, withResults = true): Promise<GenerationView> {
    const results = withResults && row.status === 'completed' ? await this.repo.results(row.id) : [];
    return {
      id: row.id,
      generation_id: row.id,
      telegram_id: row.telegramId,
      kind: row.kind,
      model_id: row.modelId,
      status: row.status,
      prompt: row.prompt,
      cost: row.cost,
      trial: row.trial,
      error: row.error,
      results,
      chat_id: row.chatId,
      message_id: row.messageId,
      prompt_message_id: row.promptMessageId,
      language: row.language,
      refunded: row.refundedAt !== null,
      created_at: row.createdAt.toISOString(),
      completed_at: row.completedAt?.toISOString() ?? null,
      refunded_at: row.refundedAt?.toISOString() ?? null,
    };
  }
}

const inProgress = (id: string | null) =>
  new AppError('GENERATION_IN_PROGRESS', { message: 'You already have a generation in progress', status: 409, ...(id && { details: { generation_id: id } }) });

function languageOf(code: string | null): GenerationLanguage {
  const lang = code?.slice(0, 2);
  return lang === 'ru' || lang === 'en' || lang === 'uz' ? lang : 'uz';
}

function toModelView(m: ModelRow, prices: PriceRow[]): ModelView {
  const own = Object.fromEntries(prices.filter((p) => p.modelId === m.modelId).map((p) => [p.variant, p.credits]));
  return {
    model_id: m.modelId,
    kind: m.kind,
    name: m.name,
    is_active: m.isActive,
    price: own.default ?? Math.min(...Object.values(own)),
    prices: own,
    price_by: m.priceBy,
    options: m.options,
    supports_edit: m.providerEditModel !== null,
    trial_eligible: m.trialEligible,
    avg_duration_seconds: m.avgDurationSeconds,
    quality: m.quality,
    provider_model: m.providerModel,
    provider_edit_model: m.providerEditModel,
  };
}

const invalidOption = (name: string, value: unknown, allowed: string[]) =>
  new AppError('INVALID_OPTION', { message: `${name} ${String(value)} is not offered; choose one of: ${allowed.join(', ')}`, details: { option: name, allowed } });

/** Validates the choice against the model's options, prices it, and builds the provider input. */
function priceOf(model: ModelView, choice: GenerationChoice) {
  const o = model.options;
  const pick = (name: string, value: string | undefined, allowed: string[] | undefined, fallback?: string) => {
    if (value !== undefined && allowed && !allowed.includes(value)) throw invalidOption(name, value, allowed);
    return value ?? fallback ?? allowed?.[0];
  };
  const images = choice.image_urls ?? [];
  const mode = images.length > 0 ? 'i2i' : (choice.mode ?? 't2i');
  if (mode === 'i2i' && !model.supports_edit && model.kind === 'image') throw invalidOption('mode', mode, ['t2i']);
  const selected: Record<string, string | undefined> = {
    mode,
    size: pick('size', choice.size, o.sizes),
    aspect_ratio: pick('aspect_ratio', choice.aspect_ratio, o.aspect_ratios),
    resolution: pick('resolution', choice.resolution, o.resolutions),
    quality: pick('quality', choice.quality, o.qualities, o.qualities ? 'medium' : undefined),
    input_fidelity: mode === 'i2i' ? pick('input_fidelity', choice.input_fidelity, o.input_fidelities) : undefined,
    output_format: pick('output_format', choice.output_format, o.output_formats),
    target_resolution: pick('target_resolution', choice.target_resolution, o.target_resolutions),
    model: pick('model', choice.model, o.models),
  };
  const variant = variantKey(model.price_by, selected);
  const credits = model.prices[variant] ?? model.prices.default;
  if (credits === undefined) throw new AppError('PRICE_NOT_SET', { message: `No price for ${model.model_id} (${variant})`, status: 409 });

  const providerInput: Record<string, unknown> = { enable_sync_mode: false, enable_base64_output: false };
  for (const name of ['size', 'aspect_ratio', 'resolution', 'quality', 'input_fidelity', 'output_format', 'target_resolution', 'model'] as const) {
    if (selected[name] !== undefined && (name !== 'quality' || o.qualities)) providerInput[name] = selected[name];
  }
  if (model.kind === 'tool') {
    if (!choice.image_url) throw new AppError('IMAGE_REQUIRED', { message: 'image_url is required' });
    providerInput.image = choice.image_url;
  } else if (images.length > 0) providerInput.images = images;
  const providerModel = mode === 'i2i' && model.provider_edit_model ? model.provider_edit_model : model.provider_model;
  return { credits, variant, mode, providerModel, providerInput };
}
