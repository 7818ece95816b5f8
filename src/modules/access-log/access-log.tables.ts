import { bigint, bigserial, index, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** Every request made with an API key: who, what, how it ended. Written in batches. */
export const apiAccessLog = pgTable(
  'api_access_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** Null for the bootstrap key (API_V2_KEY). */
    keyId: bigint('key_id', { mode: 'number' }),
    method: text('method').notNull(),
    route: text('route').notNull(),
    status: integer('status').notNull(),
    durationMs: integer('duration_ms').notNull(),
    requestId: text('request_id').notNull(),
    ip: text('ip'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('api_access_log_key_time_idx').on(t.keyId, t.createdAt), index('api_access_log_time_idx').on(t.createdAt)],
);
