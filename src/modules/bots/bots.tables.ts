import { bigint, index, jsonb, pgTable, primaryKey, text, timestamp, integer } from 'drizzle-orm/pg-core';

/** A bot is the tenant: everything else belongs to exactly one bot. */
export const bots = pgTable('bots', {
  /** Telegram's bot id: the number before the colon of its token. */
  botId: bigint('bot_id', { mode: 'number' }).primaryKey(),
  username: text('username'),
  /** The bot's name (`first_name`) as Telegram's getMe last reported it. */
  name: text('name'),
  title: text('title').notNull().default(''),
  /** AES-256-GCM ciphertext of the token; never returned by any route. */
  tokenEncrypted: text('token_encrypted'),
  status: text('status').notNull().default('active'),
  refPercent: integer('ref_percent').notNull().default(10),
  meta: jsonb('meta').$type<Record<string, unknown>>().notNull().default({}),
  /** When Telegram confirmed the current token (getMe); null until it has, and again once it refuses the token. */
  verifiedAt: timestamp('verified_at', { withTimezone: true }),
  /** Why Telegram last refused the token (say, "Unauthorized" for a revoked one); null when it works. */
  telegramError: text('telegram_error'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** The bot's owner admins: Telegram users who may log in to its dashboard and admin API. */
export const botAdmins = pgTable(
  'bot_admins',
  {
    botId: bigint('bot_id', { mode: 'number' })
      .notNull()
      .references(() => bots.botId, { onDelete: 'cascade' }),
    telegramId: bigint('telegram_id', { mode: 'number' }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.botId, t.telegramId] }), index('bot_admins_telegram_idx').on(t.telegramId)],
);
