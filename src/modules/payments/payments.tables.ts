import { bigint, bigserial, index, integer, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, telegramId, timestampTz, updatedAt } from '../../db/columns.ts';
import { botUsers } from '../users/users.tables.ts';

export type PaymentStatus = 'PAID' | 'REFUNDED';

/** Telegram Stars payments (seed 004's payment_ledger, seed 002's Payments). */
export const payments = pgTable(
  'payments',
  {
    /** Seed 002's bill_id. */
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    botId: telegramId('bot_id').notNull(),
    userId: bigint('user_id', { mode: 'number' })
      .notNull()
      .references(() => botUsers.id, { onDelete: 'cascade' }),
    telegramId: telegramId('telegram_id').notNull(),
    /** Stars paid. */
    amount: integer('amount').notNull(),
    currency: text('currency').notNull().default('XTR'),
    /** Credits granted for it. */
    credits: integer('credits').notNull(),
    status: text('status').$type<PaymentStatus>().notNull().default('PAID'),
    provider: text('provider').notNull().default('telegram_stars'),
    /** Telegram's id of the charge: a payment is credited once per charge, however often it is reported. */
    telegramPaymentChargeId: text('telegram_payment_charge_id').notNull(),
    providerPaymentChargeId: text('provider_payment_charge_id'),
    invoicePayload: text('invoice_payload').notNull(),
    refundedAt: timestampTz('refunded_at'),
    meta: jsonb('meta').$type<Record<string, unknown>>().notNull().default({}),
    /** Payment time (seed 002's date). */
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('payments_bot_charge_uq').on(t.botId, t.telegramPaymentChargeId),
    index('payments_bot_created_idx').on(t.botId, t.createdAt),
    index('payments_user_created_idx').on(t.userId, t.createdAt),
  ],
);
