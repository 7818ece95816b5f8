import { bigint, bigserial, index, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

export type KeyScope = 'global' | 'bot' | 'groups';
export type KeyAccess = 'read' | 'write';

/** API keys, stored as SHA-256 of the (high-entropy, random) key; the key itself is shown once. */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    name: text('name').notNull(),
    keyHash: text('key_hash').notNull().unique(),
    /** First characters of the key, so an operator can tell keys apart in a list. */
    keyPrefix: text('key_prefix').notNull(),
    scope: text('scope').$type<KeyScope>().notNull(),
    botId: bigint('bot_id', { mode: 'number' }),
    groupIds: bigint('group_ids', { mode: 'number' }).array(),
    access: text('access').$type<KeyAccess>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [index('api_keys_bot_idx').on(t.botId)],
);
