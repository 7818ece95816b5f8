import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, telegramId, timestampTz, updatedAt } from '../../db/columns.ts';

export type ModelKind = 'image' | 'tool';

/** What a model lets the user choose; the Mini App builds its form from it. */
export interface ModelOptions {
  sizes?: string[];
  aspect_ratios?: string[];
  resolutions?: string[];
  qualities?: string[];
  input_fidelities?: string[];
  output_formats?: string[];
  /** Tool variants (denoise Normal/Strong/Extreme, enhance models...). */
  models?: string[];
  target_resolutions?: string[];
  /** Modes the model supports: t2i (text only), i2i (with input images). */
  modes?: ('t2i' | 'i2i')[];
}

/** Seed 004's model_catalog, per bot (the tenant): each bot's admins manage their own models. */
export const modelCatalog = pgTable(
  'model_catalog',
  {
    botId: telegramId('bot_id').notNull(),
    modelId: text('model_id').notNull(),
    kind: text('kind').$type<ModelKind>().notNull(),
    name: text('name').notNull(),
    isActive: boolean('is_active').notNull().default(true),
    /** Provider model path for text-to-image (or the tool's only path). */
    providerModel: text('provider_model').notNull(),
    /** Provider model path when input images are given (edit); null when the model has none. */
    providerEditModel: text('provider_edit_model'),
    /** Option names the price depends on, in the order of a price variant key (`mode:quality:size`). */
    priceBy: jsonb('price_by').$type<string[]>().notNull().default([]),
    options: jsonb('options').$type<ModelOptions>().notNull().default({}),
    trialEligible: boolean('trial_eligible').notNull().default(false),
    avgDurationSeconds: integer('avg_duration_seconds').notNull().default(30),
    quality: text('quality'),
    sortOrder: integer('sort_order').notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.botId, t.modelId] })],
);

/** Seed 004's model_prices: credits per price variant (`default`, `4k`, `t2i:high:1024*1536`...). */
export const modelPrices = pgTable(
  'model_prices',
  {
    botId: telegramId('bot_id').notNull(),
    modelId: text('model_id').notNull(),
    variant: text('variant').notNull().default('default'),
    credits: integer('credits').notNull(),
    updatedBy: telegramId('updated_by'),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.botId, t.modelId, t.variant] })],
);

export const GENERATION_STATUSES = ['pending', 'processing', 'completed', 'failed'] as const;
export type GenerationStatus = (typeof GENERATION_STATUSES)[number];
export type GenerationLanguage = 'uz' | 'ru' | 'en';

/** A paid (or trial) request to the provider: an image generation or an image tool run. */
export const generations = pgTable(
  'generations',
  {
    id: uuid('id').primaryKey(),
    botId: telegramId('bot_id').notNull(),
    /** bot_users.id of the payer. */
    userId: bigint('user_id', { mode: 'number' }).notNull(),
    telegramId: telegramId('telegram_id').notNull(),
    kind: text('kind').$type<ModelKind>().notNull(),
    modelId: text('model_id').notNull(),
    providerModel: text('provider_model').notNull(),
    prompt: text('prompt'),
    /** What was sent to the provider (size, quality, image URLs...). */
    input: jsonb('input').$type<Record<string, unknown>>().notNull(),
    /** Credits debited (0 for a trial). */
    cost: integer('cost').notNull(),
    trial: boolean('trial').notNull().default(false),
    status: text('status').$type<GenerationStatus>().notNull().default('pending'),
    error: text('error'),
    chatId: telegramId('chat_id'),
    messageId: bigint('message_id', { mode: 'number' }),
    promptMessageId: bigint('prompt_message_id', { mode: 'number' }),
    language: text('language').$type<GenerationLanguage>().notNull().default('uz'),
    /** Past this moment a running generation is given up: failed and refunded. */
    deadlineAt: timestampTz('deadline_at').notNull(),
    completedAt: timestampTz('completed_at'),
    /** Set when the result (or the failure notice) reached the user's chat. */
    notifiedAt: timestampTz('notified_at'),
    refundedAt: timestampTz('refunded_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('generations_bot_status_created_idx').on(t.botId, t.status, t.createdAt),
    index('generations_user_created_idx').on(t.userId, t.createdAt),
    // One generation in flight per user: parallel submits cannot both pass.
    uniqueIndex('generations_one_active_per_user_uq').on(t.userId).where(sql`status in ('pending', 'processing')`),
    index('generations_active_deadline_idx').on(t.deadlineAt).where(sql`status in ('pending', 'processing')`),
  ],
);

/** Seed 004's generation_jobs: the provider's task behind a generation and how polling goes. */
export const generationJobs = pgTable('generation_jobs', {
  generationId: uuid('generation_id')
    .primaryKey()
    .references(() => generations.id, { onDelete: 'cascade' }),
  provider: text('provider').notNull(),
  providerTaskId: text('provider_task_id'),
  providerStatus: text('provider_status'),
  polls: integer('polls').notNull().default(0),
  lastPolledAt: timestampTz('last_polled_at'),
  /** When the provider first reported the task completed (to measure push latency). */
  providerCompletedAt: timestampTz('provider_completed_at'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** Seed 004's generation_results: output URLs. */
export const generationResults = pgTable(
  'generation_results',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    generationId: uuid('generation_id')
      .notNull()
      .references(() => generations.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    url: text('url').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('generation_results_generation_position_uq').on(t.generationId, t.position)],
);
