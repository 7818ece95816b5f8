import { bigint, bigserial, index, integer, jsonb, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { createdAt, telegramId, timestampTz, updatedAt } from '../../db/columns.ts';

export type BroadcastStatus = 'draft' | 'running' | 'completed' | 'cancelled';
/** `claimed`: taken by a worker, not yet tried; `sending`: its send has started, delivery unknown until recorded. */
export type RecipientState = 'pending' | 'claimed' | 'sending' | 'sent' | 'failed' | 'blocked';

export interface BroadcastButton {
  text: string;
  url?: string;
  web_app_url?: string;
}

/** Who gets the broadcast: everyone, payers, or users seen in the last N days; optionally one language. */
export interface BroadcastFilter {
  type: 'all' | 'paid' | 'active';
  active_days?: number;
  language?: string;
}

/** Seed 004's broadcasts: the content, the filter, the status and the counters. */
export const broadcasts = pgTable(
  'broadcasts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    publicId: uuid('public_id').notNull().unique(),
    botId: telegramId('bot_id').notNull(),
    text: text('text').notNull(),
    parseMode: text('parse_mode').$type<'HTML' | 'MarkdownV2' | 'Markdown'>(),
    /** Photo URL or Telegram file_id; the text becomes its caption. */
    photo: text('photo'),
    buttons: jsonb('buttons').$type<BroadcastButton[][]>().notNull().default([]),
    filter: jsonb('filter').$type<BroadcastFilter>().notNull(),
    status: text('status').$type<BroadcastStatus>().notNull().default('draft'),
    total: integer('total').notNull().default(0),
    sent: integer('sent').notNull().default(0),
    failed: integer('failed').notNull().default(0),
    blocked: integer('blocked').notNull().default(0),
    createdBy: telegramId('created_by'),
    startedAt: timestampTz('started_at'),
    finishedAt: timestampTz('finished_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('broadcasts_bot_created_idx').on(t.botId, t.createdAt)],
);

/**
 * Seed 004's broadcast_recipients: one row per recipient. A worker claims a batch (`claimed`),
 * marks each row `sending` just before its send starts and records each result right after, so
 * nobody is sent to twice, even when a worker dies: rows it left `sending` are written off, never
 * re-sent; rows it left `claimed` were never tried and go back to `pending`.
 */
export const broadcastRecipients = pgTable(
  'broadcast_recipients',
  {
    broadcastId: bigint('broadcast_id', { mode: 'number' })
      .notNull()
      .references(() => broadcasts.id, { onDelete: 'cascade' }),
    telegramId: telegramId('telegram_id').notNull(),
    state: text('state').$type<RecipientState>().notNull().default('pending'),
    claimedAt: timestampTz('claimed_at'),
    sentAt: timestampTz('sent_at'),
    messageId: bigint('message_id', { mode: 'number' }),
    error: text('error'),
  },
  (t) => [primaryKey({ columns: [t.broadcastId, t.telegramId] }), index('broadcast_recipients_state_idx').on(t.broadcastId, t.state)],
);

/** Users who blocked the bot (Telegram answered 403): skipped by later broadcasts. */
export const botBlocks = pgTable(
  'bot_blocks',
  {
    botId: telegramId('bot_id').notNull(),
    telegramId: telegramId('telegram_id').notNull(),
    blockedAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.botId, t.telegramId] })],
);
