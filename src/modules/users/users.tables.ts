import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, check, index, integer, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, telegramId, timestampTz, updatedAt } from '../../db/columns.ts';

/** A Telegram user of one bot (the tenant). The same person in two bots is two rows. */
export const botUsers = pgTable(
  'bot_users',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    botId: telegramId('bot_id').notNull(),
    telegramId: telegramId('telegram_id').notNull(),
    username: text('username'),
    firstName: text('first_name'),
    lastName: text('last_name'),
    languageCode: text('language_code'),
    isPremium: boolean('is_premium').notNull().default(false),
    /** The code others join with (`?start=<code>`); unique within the bot. */
    referralCode: text('referral_code').notNull(),
    /** The bot user who referred this one (bot_users.id), set once at registration. */
    referrerId: bigint('referrer_id', { mode: 'number' }),
    /** Per-user referral percent overriding the bot's (seed 002's users.ref_percent). */
    refPercent: integer('ref_percent'),
    /**
     * Sum of the user's ledger entries, kept in the same transaction as each entry so reads are
     * O(1); the CHECK makes an overdraft impossible even if a code path forgot to guard it.
     */
    balance: integer('balance').notNull().default(0),
    isBanned: boolean('is_banned').notNull().default(false),
    banReason: text('ban_reason'),
    bannedAt: timestampTz('banned_at'),
    meta: jsonb('meta').$type<Record<string, unknown>>().notNull().default({}),
    lastSeenAt: timestampTz('last_seen_at'),
    /** Registration time (seed 002's reg_date). */
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('bot_users_bot_telegram_uq').on(t.botId, t.telegramId),
    uniqueIndex('bot_users_bot_referral_code_uq').on(t.botId, t.referralCode),
    index('bot_users_bot_created_idx').on(t.botId, t.createdAt),
    index('bot_users_referrer_idx').on(t.referrerId),
    check('bot_users_balance_non_negative', sql`${t.balance} >= 0`),
  ],
);

/** Free trials used (seed 004's trial_uses): one row per user and trial kind. */
export const trialUses = pgTable(
  'trial_uses',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    botId: telegramId('bot_id').notNull(),
    userId: bigint('user_id', { mode: 'number' })
      .notNull()
      .references(() => botUsers.id, { onDelete: 'cascade' }),
    kind: text('kind').notNull().default('generation'),
    meta: jsonb('meta').$type<Record<string, unknown>>().notNull().default({}),
    usedAt: createdAt(),
  },
  (t) => [uniqueIndex('trial_uses_user_kind_uq').on(t.userId, t.kind), index('trial_uses_bot_used_idx').on(t.botId, t.usedAt)],
);
