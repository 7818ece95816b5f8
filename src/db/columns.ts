import { bigint, timestamp } from 'drizzle-orm/pg-core';

/** Telegram ids exceed 32 bits (moderation bots that used int broke): every chat and user id is a bigint. */
export const telegramId = (name: string) => bigint(name, { mode: 'number' });
export const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
export const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();
export const timestampTz = (name: string) => timestamp(name, { withTimezone: true });
