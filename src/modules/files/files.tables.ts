import { bigint, index, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { createdAt, telegramId } from '../../db/columns.ts';
import { bots } from '../bots/bots.tables.ts';

/** Uploaded files: the bytes live under FILES_DIR/<id>, the row says whose they are and what. */
export const files = pgTable(
  'files',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** The tenant; null for deployment-wide files only global keys can see. */
    botId: telegramId('bot_id').references(() => bots.botId, { onDelete: 'cascade' }),
    filename: text('filename').notNull(),
    contentType: text('content_type').notNull(),
    sizeBytes: bigint('size_bytes', { mode: 'number' }).notNull(),
    sha256: text('sha256').notNull(),
    uploadedByKeyId: bigint('uploaded_by_key_id', { mode: 'number' }),
    createdAt: createdAt(),
  },
  (t) => [index('files_bot_time_idx').on(t.botId, t.createdAt)],
);
