import { Type } from 'typebox';
import { TelegramId, Timestamp } from '../../platform/http.ts';

export const ActionView = Type.Object({
  id: Type.Integer(),
  group_id: TelegramId,
  user_id: Type.Union([TelegramId, Type.Null()]),
  admin_id: Type.Union([TelegramId, Type.Null()]),
  action: Type.String(),
  reason: Type.Union([Type.String(), Type.Null()]),
  result: Type.String(),
  error: Type.Union([Type.String(), Type.Null()]),
  source: Type.String(),
  duration: Type.Union([Type.Integer(), Type.Null()]),
  meta: Type.Record(Type.String(), Type.Any()),
  created_at: Timestamp,
});

const ActionName = Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z][a-z0-9_:.-]*$' });

export const LogActionBody = Type.Object(
  {
    user_id: Type.Optional(Type.Union([TelegramId, Type.Null()])),
    admin_id: Type.Optional(Type.Union([TelegramId, Type.Null()])),
    action: ActionName,
    reason: Type.Optional(Type.Union([Type.String({ maxLength: 2000 }), Type.Null()])),
    details: Type.Optional(Type.Union([Type.String({ maxLength: 2000 }), Type.Null()])),
    result: Type.Optional(Type.Enum(['success', 'failed'])),
    duration: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 31_622_400 }), Type.Null()])),
    meta: Type.Optional(Type.Record(Type.String(), Type.Any(), { maxProperties: 50 })),
    timestamp: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);

/** Seed 001's `log_action` payload (`POST /api/v2/logs/actions`). */
export const SeedLogActionBody = Type.Object({
  group_id: TelegramId,
  user_id: Type.Optional(Type.Union([TelegramId, Type.Null()])),
  admin_id: Type.Optional(Type.Union([TelegramId, Type.Null()])),
  action: ActionName,
  details: Type.Optional(Type.Union([Type.String({ maxLength: 2000 }), Type.Null()])),
  timestamp: Type.Optional(Type.String({ maxLength: 64 })),
});

export const BulkLogBody = Type.Object(
  { actions: Type.Array(LogActionBody, { minItems: 1, maxItems: 1000 }) },
  { additionalProperties: false },
);

export const ListActionsQuery = Type.Object({
  page: Type.Integer({ minimum: 1, default: 1 }),
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
  user_id: Type.Optional(TelegramId),
  admin_id: Type.Optional(TelegramId),
  action: Type.Optional(ActionName),
  result: Type.Optional(Type.Enum(['success', 'failed', 'expired'])),
  source: Type.Optional(Type.String({ maxLength: 32 })),
  since: Type.Optional(Timestamp),
  until: Type.Optional(Timestamp),
});

export const UserStats = Type.Object({
  group_id: TelegramId,
  user_id: TelegramId,
  total_actions: Type.Integer(),
  actions_as_admin: Type.Integer(),
  actions_by_type: Type.Record(Type.String(), Type.Integer()),
  first_action_at: Type.Union([Timestamp, Type.Null()]),
  last_action_at: Type.Union([Timestamp, Type.Null()]),
});
