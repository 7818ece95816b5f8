import { Type } from 'typebox';
import { TelegramId, Timestamp } from '../../platform/http.ts';

const NullableString = Type.Union([Type.String(), Type.Null()]);
const Button = Type.Object(
  {
    text: Type.String({ minLength: 1, maxLength: 64 }),
    url: Type.Optional(Type.String({ pattern: '^(https?|tg)://', maxLength: 2048 })),
    web_app_url: Type.Optional(Type.String({ pattern: '^https://', maxLength: 2048 })),
  },
  { additionalProperties: false },
);
const Filter = Type.Object(
  {
    type: Type.Enum(['all', 'paid', 'active']),
    /** For `active`: seen in the last N days (default 30). */
    active_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
    /** Language code prefix (`ru`, `uz`, `en`). */
    language: Type.Optional(Type.String({ minLength: 2, maxLength: 16 })),
  },
  { additionalProperties: false },
);

export const CreateBroadcastBody = Type.Object(
  {
    text: Type.String({ minLength: 1, maxLength: 4096 }),
    parse_mode: Type.Optional(Type.Enum(['HTML', 'MarkdownV2', 'Markdown'])),
    /** Photo URL or file_id; with a photo the text is its caption (at most 1024 characters). */
    photo: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
    buttons: Type.Optional(Type.Array(Type.Array(Button, { minItems: 1, maxItems: 8 }), { maxItems: 10 })),
    filter: Type.Optional(Filter),
    bot_id: Type.Optional(TelegramId),
  },
  { additionalProperties: false },
);

export const BroadcastView = Type.Object({
  id: Type.Integer(),
  public_id: Type.String(),
  bot_id: TelegramId,
  text: Type.String(),
  parse_mode: NullableString,
  photo: NullableString,
  buttons: Type.Array(Type.Array(Button)),
  filter: Filter,
  status: Type.Enum(['draft', 'running', 'completed', 'cancelled']),
  total: Type.Integer(),
  sent: Type.Integer(),
  failed: Type.Integer(),
  blocked: Type.Integer(),
  pending: Type.Integer(),
  progress: Type.Number(),
  created_by: Type.Union([TelegramId, Type.Null()]),
  created_at: Timestamp,
  started_at: Type.Union([Timestamp, Type.Null()]),
  finished_at: Type.Union([Timestamp, Type.Null()]),
});

export const BroadcastParams = Type.Object({ public_id: Type.String({ format: 'uuid' }) });
export const ListBroadcastsQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  offset: Type.Integer({ minimum: 0, default: 0 }),
  bot_id: Type.Optional(TelegramId),
});
export const BroadcastList = Type.Object({ items: Type.Array(BroadcastView), total: Type.Integer(), limit: Type.Integer(), offset: Type.Integer() });
export const BotIdQuery = Type.Object({ bot_id: Type.Optional(TelegramId) });
