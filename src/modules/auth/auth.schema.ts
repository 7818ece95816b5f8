import { Type } from 'typebox';
import { TelegramId } from '../../platform/http.ts';
import { UserView } from '../users/users.schema.ts';

export const TelegramAuthBody = Type.Object({
  init_data: Type.String({ minLength: 1, maxLength: 8192 }),
  /** Which bot's Mini App this is; unset: every registered bot is tried. */
  bot_id: Type.Optional(TelegramId),
});

export const TelegramAuthResponse = Type.Object({ user: UserView, token: Type.String(), bot_ids: Type.Array(TelegramId) });

export const AdminLoginBody = Type.Object({
  id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
  first_name: Type.String({ maxLength: 256 }),
  last_name: Type.Optional(Type.String({ maxLength: 256 })),
  username: Type.Optional(Type.String({ maxLength: 64 })),
  photo_url: Type.Optional(Type.String({ maxLength: 2048 })),
  auth_date: Type.Integer({ minimum: 1 }),
  hash: Type.String({ pattern: '^[0-9a-fA-F]{64}$' }),
  /** Which bot's Login Widget signed this; unset: every registered bot is tried. */
  bot_id: Type.Optional(TelegramId),
});

export const AdminLoginResponse = Type.Object({
  access_token: Type.String(),
  token_type: Type.Literal('bearer'),
  expires_in: Type.Integer(),
  admin: Type.Object({ telegram_id: TelegramId, first_name: Type.String(), username: Type.Union([Type.String(), Type.Null()]), bot_ids: Type.Array(TelegramId) }),
});

export const AdminMe = Type.Object({
  telegram_id: TelegramId,
  first_name: Type.Union([Type.String(), Type.Null()]),
  username: Type.Union([Type.String(), Type.Null()]),
  bot_ids: Type.Array(TelegramId),
  expires_at: Type.String(),
});
