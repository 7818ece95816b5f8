import { Type } from 'typebox';
import { INT4_MAX, TelegramId, Timestamp } from '../../platform/http.ts';

export const ChallengeParams = Type.Object({ group_id: TelegramId, user_id: TelegramId });

export const ChallengeBody = Type.Object({
  user_id: TelegramId,
  /** The message with the button, removed when the challenge ends. */
  message_id: Type.Union([Type.Integer({ minimum: 1, maximum: INT4_MAX }), Type.Null()]),
  timeout_seconds: Type.Integer({ minimum: 10, maximum: 3600 }),
});

export const ChallengeView = Type.Object({
  group_id: TelegramId,
  user_id: TelegramId,
  message_id: Type.Union([Type.Integer(), Type.Null()]),
  status: Type.Enum(['pending', 'solved', 'expired']),
  expires_at: Timestamp,
});

export const SolveResult = Type.Object({ solved: Type.Boolean() });
