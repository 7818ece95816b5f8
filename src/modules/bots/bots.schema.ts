import { Type } from 'typebox';
import { TelegramId, Timestamp } from '../../platform/http.ts';

export const BotView = Type.Object({
  bot_id: TelegramId,
  username: Type.Union([Type.String(), Type.Null()]),
  /** The bot's name in Telegram (getMe's first_name). */
  name: Type.Union([Type.String(), Type.Null()]),
  title: Type.String(),
  status: Type.String(),
  ref_percent: Type.Integer(),
  has_token: Type.Boolean(),
  admin_ids: Type.Array(TelegramId),
  meta: Type.Record(Type.String(), Type.Any()),
  /** Telegram confirmed the token; false while it was unreachable at registration or after it refused the token. */
  verified: Type.Boolean(),
  verified_at: Type.Union([Timestamp, Type.Null()]),
  /** Telegram's reason for refusing the token (a revoked one: "Unauthorized"). */
  telegram_error: Type.Union([Type.String(), Type.Null()]),
  created_at: Timestamp,
});

const BotSettings = {
  title: Type.Optional(Type.String({ maxLength: 200 })),
  username: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
  /** Telegram user ids of the bot's owner admins (replaces the list). */
  admin_ids: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }), { maxItems: 100 })),
  ref_percent: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
  status: Type.Optional(Type.Enum(['active', 'disabled'])),
  meta: Type.Optional(Type.Record(Type.String(), Type.Any())),
};

export const RegisterBotBody = Type.Object({ token: Type.String({ minLength: 10, maxLength: 200 }), ...BotSettings }, { additionalProperties: false });

export const UpdateBotBody = Type.Object(BotSettings, { additionalProperties: false, minProperties: 1 });

export const ScheduledDeletionBody = Type.Object({
  chat_id: TelegramId,
  message_id: Type.Integer({ minimum: 1 }),
  delete_after_seconds: Type.Integer({ minimum: 1, maximum: 172_800 }),
});
