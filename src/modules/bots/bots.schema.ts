import { Type } from 'typebox';
import { TelegramId, Timestamp } from '../../platform/http.ts';

export const BotView = Type.Object({
  bot_id: TelegramId,
  username: Type.Union([Type.String(), Type.Null()]),
  title: Type.String(),
  status: Type.String(),
  ref_percent: Type.Integer(),
  has_token: Type.Boolean(),
  meta: Type.Record(Type.String(), Type.Any()),
  created_at: Timestamp,
});

export const RegisterBotBody = Type.Object(
  {
    token: Type.String({ minLength: 10, maxLength: 200 }),
    title: Type.Optional(Type.String({ maxLength: 200 })),
    username: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
  },
  { additionalProperties: false },
);
