import { Type } from 'typebox';
import { TelegramId, Timestamp } from '../../platform/http.ts';
import { ACTION_TYPES } from './enforcement.service.ts';

export const EnforcementParams = Type.Object({
  group_id: TelegramId,
  action_type: Type.Enum([...ACTION_TYPES]),
});
export const UserParams = Type.Object({ group_id: TelegramId, user_id: TelegramId });

export const SenderChatParams = Type.Object({
  group_id: TelegramId,
  /** The chat that writes in the group: a channel, or a group a user posts as (negative, like every chat id). */
  sender_chat_id: Type.Integer({ minimum: -Number.MAX_SAFE_INTEGER, maximum: -1 }),
  action: Type.Enum(['ban', 'unban']),
});

export const SenderChatBody = Type.Object(
  {
    admin_id: Type.Optional(Type.Union([TelegramId, Type.Null()])),
    reason: Type.Optional(Type.Union([Type.String({ maxLength: 1000 }), Type.Null()])),
    source: Type.Optional(Type.Enum(['api', 'bot'])),
  },
  { additionalProperties: false },
);

/** Seed 001's payload; `action_type`, `group_id` and `timestamp` are accepted and checked against the path. */
export const EnforcementBody = Type.Object({
  user_id: Type.Optional(Type.Union([TelegramId, Type.Null()])),
  admin_id: Type.Optional(Type.Union([TelegramId, Type.Null()])),
  duration: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 31_622_400 }), Type.Null()])),
  reason: Type.Optional(Type.Union([Type.String({ maxLength: 1000 }), Type.Null()])),
  enabled: Type.Optional(Type.Boolean()),
  /** Who asked, for the log: `bot` when a bot relays a command (tgbase's own bot, or one running remotely). */
  source: Type.Optional(Type.Enum(['api', 'bot'])),
  action_type: Type.Optional(Type.String()),
  group_id: Type.Optional(TelegramId),
  timestamp: Type.Optional(Type.String({ maxLength: 64 })),
});

const ResultFields = {
  action_type: Type.String(),
  group_id: TelegramId,
  user_id: Type.Union([TelegramId, Type.Null()]),
  admin_id: Type.Union([TelegramId, Type.Null()]),
  duration: Type.Union([Type.Integer(), Type.Null()]),
  expires_at: Type.Union([Timestamp, Type.Null()]),
  reason: Type.Union([Type.String(), Type.Null()]),
  applied_to_telegram: Type.Boolean(),
  warnings: Type.Union([Type.Integer(), Type.Null()]),
};
export const EnforcementResult = Type.Object({
  ...ResultFields,
  rule_fired: Type.Union([
    Type.Object({
      rule_id: Type.Union([Type.Integer(), Type.Null()]),
      name: Type.String(),
      penalty: Type.String(),
      result: Type.Object({ ...ResultFields }, { additionalProperties: true }),
    }),
    Type.Null(),
  ]),
});

export const UserStatus = Type.Object({
  user_id: TelegramId,
  is_muted: Type.Boolean(),
  is_banned: Type.Boolean(),
  has_warnings: Type.Integer(),
  is_restricted: Type.Boolean(),
  is_locked_down: Type.Boolean(),
  night_mode_enabled: Type.Boolean(),
  last_action: Type.Union([Timestamp, Type.Null()]),
  active_actions: Type.Array(Type.String()),
});

/** Seed 001's `update_user_action_state` payload. */
export const UserActionStateBody = Type.Object({
  user_id: Type.Optional(TelegramId),
  action: Type.Enum(['mute', 'ban', 'restrict', 'warn', 'lockdown', 'night_mode']),
  state: Type.Enum(['active', 'inactive']),
  duration: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 31_622_400 }), Type.Null()])),
  admin_id: Type.Optional(Type.Union([TelegramId, Type.Null()])),
  reason: Type.Optional(Type.Union([Type.String({ maxLength: 1000 }), Type.Null()])),
  timestamp: Type.Optional(Type.String({ maxLength: 64 })),
});
