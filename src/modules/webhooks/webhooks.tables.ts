import { bigint, bigserial, boolean, index, integer, jsonb, pgTable, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { createdAt, telegramId } from '../../db/columns.ts';
import { bots } from '../bots/bots.tables.ts';

export type CustomAction = 'send_message';

/** Inbound custom webhooks: a secret URL token mapped to an action the bot performs. */
export const customWebhooks = pgTable(
  'custom_webhooks',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    botId: telegramId('bot_id')
      .notNull()
      .references(() => bots.botId, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** SHA-256 of the URL token; the token is shown once. */
    tokenHash: text('token_hash').notNull().unique(),
    tokenPrefix: text('token_prefix').notNull(),
    action: text('action').$type<CustomAction>().notNull(),
    chatId: telegramId('chat_id').notNull(),
    /** Message text with `{{field}}` placeholders filled from the posted JSON; null: post `message`. */
    template: text('template'),
    parseMode: text('parse_mode').$type<'HTML' | 'MarkdownV2'>(),
    enabled: boolean('enabled').notNull().default(true),
    createdAt: createdAt(),
    lastTriggeredAt: timestamp('last_triggered_at', { withTimezone: true }),
  },
  (t) => [index('custom_webhooks_bot_idx').on(t.botId)],
);

/** Operators' URLs that receive platform events, signed with their secret. */
export const webhookEndpoints = pgTable(
  'webhook_endpoints',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** Events of this bot only; null: every bot (global keys only). */
    botId: telegramId('bot_id').references(() => bots.botId, { onDelete: 'cascade' }),
    url: text('url').notNull(),
    /** Signing secret, sealed at rest (it must be readable to sign). */
    secretSealed: text('secret_sealed').notNull(),
    events: text('events').array().notNull(),
    enabled: boolean('enabled').notNull().default(true),
    createdAt: createdAt(),
  },
  (t) => [index('webhook_endpoints_bot_idx').on(t.botId)],
);

/** One event to one endpoint: attempts and outcome. Unique per (endpoint, event): enqueueing twice delivers once. */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    endpointId: bigint('endpoint_id', { mode: 'number' })
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: 'cascade' }),
    eventId: uuid('event_id').notNull(),
    event: text('event').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    status: text('status').$type<'pending' | 'delivered' | 'failed' | 'cancelled'>().notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    createdAt: createdAt(),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
  },
  (t) => [unique('webhook_deliveries_endpoint_event_uq').on(t.endpointId, t.eventId), index('webhook_deliveries_endpoint_time_idx').on(t.endpointId, t.createdAt)],
);

/** GitHub delivery ids already handled: GitHub redelivers on request, we act once. */
export const githubDeliveries = pgTable('github_deliveries', {
  deliveryId: text('delivery_id').primaryKey(),
  event: text('event').notNull(),
  repository: text('repository'),
  summary: text('summary').notNull(),
  receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
});
