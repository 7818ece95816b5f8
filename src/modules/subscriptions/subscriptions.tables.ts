import { bigint, bigserial, boolean, index, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, telegramId, timestampTz, updatedAt } from '../../db/columns.ts';
import { botUsers } from '../users/users.tables.ts';

export const SUBSCRIPTION_STATUSES = ['Active', 'Expired', 'Cancelled'] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

/** Seed 002's Subscription: a user's paid or trial access with its keys (e.g. access keys sold). */
export const subscriptions = pgTable(
  'subscriptions',
  {
    /** Seed 002's uid. */
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    botId: telegramId('bot_id').notNull(),
    /** The bot's own id for the subscription (seed 002's sub_uid); unique within the bot. */
    subUid: text('sub_uid').notNull(),
    userId: bigint('user_id', { mode: 'number' })
      .notNull()
      .references(() => botUsers.id, { onDelete: 'cascade' }),
    telegramId: telegramId('telegram_id').notNull(),
    status: text('status').$type<SubscriptionStatus>().notNull().default('Active'),
    isTrial: boolean('is_trial').notNull().default(false),
    startDate: timestampTz('start_date').notNull().defaultNow(),
    stopDate: timestampTz('stop_date'),
    keys: jsonb('keys').$type<string[]>().notNull().default([]),
    meta: jsonb('meta').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('subscriptions_bot_sub_uid_uq').on(t.botId, t.subUid),
    index('subscriptions_bot_status_idx').on(t.botId, t.status, t.userId),
    index('subscriptions_bot_start_idx').on(t.botId, t.startDate),
  ],
);

/** What happened to subscriptions, dated: the analytics count key purchases and renewals per day. */
export const subscriptionEvents = pgTable(
  'subscription_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    botId: telegramId('bot_id').notNull(),
    subscriptionId: bigint('subscription_id', { mode: 'number' })
      .notNull()
      .references(() => subscriptions.id, { onDelete: 'cascade' }),
    kind: text('kind').$type<'start' | 'renewal' | 'key' | 'cancel'>().notNull(),
    meta: jsonb('meta').$type<Record<string, unknown>>().notNull().default({}),
    occurredAt: createdAt(),
  },
  (t) => [index('subscription_events_bot_kind_idx').on(t.botId, t.kind, t.occurredAt)],
);
