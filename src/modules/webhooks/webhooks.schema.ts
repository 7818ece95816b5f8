import { Type } from 'typebox';
import { RowId, TelegramId, Timestamp } from '../../platform/http.ts';
import { PLATFORM_EVENT_NAMES } from '../../platform/events.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const ParseMode = Type.Enum(['HTML', 'MarkdownV2']);

export const CustomWebhookView = Type.Object({
  id: Type.Integer(),
  bot_id: TelegramId,
  name: Type.String(),
  token_prefix: Type.String(),
  action: Type.Enum(['send_message']),
  chat_id: TelegramId,
  template: Nullable(Type.String()),
  parse_mode: Nullable(ParseMode),
  enabled: Type.Boolean(),
  url: Type.String(),
  created_at: Timestamp,
  last_triggered_at: Nullable(Timestamp),
});
export const CreatedCustomWebhook = Type.Intersect([CustomWebhookView, Type.Object({ token: Type.String() })]);

export const CreateCustomBody = Type.Object(
  {
    bot_id: Type.Optional(TelegramId),
    name: Type.String({ minLength: 1, maxLength: 100 }),
    action: Type.Enum(['send_message']),
    chat_id: TelegramId,
    template: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 4096 }))),
    parse_mode: Type.Optional(Nullable(ParseMode)),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const UpdateCustomBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    chat_id: Type.Optional(TelegramId),
    template: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 4096 }))),
    parse_mode: Type.Optional(Nullable(ParseMode)),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const IdParams = Type.Object({ id: RowId });
export const TokenParams = Type.Object({ token: Type.String({ minLength: 10, maxLength: 100 }) });
export const BotQuery = Type.Object({ bot_id: Type.Optional(TelegramId) });

export const TriggerResult = Type.Object({
  webhook_id: Type.Integer(),
  action: Type.String(),
  result: Type.Object({ bot_id: TelegramId, chat_id: TelegramId, message_id: Type.Integer(), date: Type.Integer() }),
});

export const GithubResult = Type.Object({ event: Type.String(), duplicate: Type.Boolean(), summary: Type.String(), notified: Type.Boolean() });

export const EndpointView = Type.Object({
  id: Type.Integer(),
  bot_id: Nullable(TelegramId),
  url: Type.String(),
  events: Type.Array(Type.String()),
  enabled: Type.Boolean(),
  created_at: Timestamp,
});
export const CreatedEndpoint = Type.Intersect([EndpointView, Type.Object({ secret: Type.String() })]);

export const CreateEndpointBody = Type.Object(
  {
    bot_id: Type.Optional(TelegramId),
    url: Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2000 }),
    events: Type.Array(Type.Enum(PLATFORM_EVENT_NAMES), { minItems: 1, maxItems: 20 }),
  },
  { additionalProperties: false },
);

export const DeliveryView = Type.Object({
  id: Type.Integer(),
  endpoint_id: Type.Integer(),
  event_id: Type.String(),
  event: Type.String(),
  status: Type.String(),
  attempts: Type.Integer(),
  last_status_code: Nullable(Type.Integer()),
  last_error: Nullable(Type.String()),
  created_at: Timestamp,
  delivered_at: Nullable(Timestamp),
});
export const DeliveriesQuery = Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }) });
