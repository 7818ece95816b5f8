import { Type } from 'typebox';
import { TelegramId, Timestamp } from '../../platform/http.ts';

export const ApiKeyView = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  key_prefix: Type.String(),
  scope: Type.Enum(['global', 'bot', 'groups']),
  bot_id: Type.Union([TelegramId, Type.Null()]),
  group_ids: Type.Union([Type.Array(TelegramId), Type.Null()]),
  access: Type.Enum(['read', 'write']),
  created_at: Timestamp,
  last_used_at: Type.Union([Timestamp, Type.Null()]),
  revoked_at: Type.Union([Timestamp, Type.Null()]),
});

export const CreateApiKeyBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    scope: Type.Enum(['global', 'bot', 'groups']),
    bot_id: Type.Optional(Type.Union([TelegramId, Type.Null()])),
    group_ids: Type.Optional(Type.Union([Type.Array(TelegramId, { minItems: 1, maxItems: 1000 }), Type.Null()])),
    access: Type.Enum(['read', 'write'], { default: 'write' }),
  },
  { additionalProperties: false },
);

export const CreatedApiKey = Type.Intersect([ApiKeyView, Type.Object({ key: Type.String() })]);
