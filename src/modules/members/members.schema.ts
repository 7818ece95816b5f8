import { Type } from 'typebox';
import { TelegramId } from '../../platform/http.ts';

export const MemberParams = Type.Object({ user_id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) });
export const UsernameParams = Type.Object({ username: Type.String({ pattern: '^@?[A-Za-z0-9_]{3,32}$' }) });

/** A Telegram user as a bot saw them (the fields of Telegram's `User` that name them). */
export const SeenUserBody = Type.Object({
  username: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_]{3,32}$' })),
  first_name: Type.String({ minLength: 1, maxLength: 256 }),
  language_code: Type.Optional(Type.String({ maxLength: 35 })),
});

export const KnownUserView = Type.Object({
  user_id: TelegramId,
  username: Type.Union([Type.String(), Type.Null()]),
  first_name: Type.String(),
  language_code: Type.Union([Type.String(), Type.Null()]),
});
