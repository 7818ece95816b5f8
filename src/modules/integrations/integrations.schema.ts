import { Type } from 'typebox';
import { TelegramId } from '../../platform/http.ts';

/** A chat id, or a public `@username` (channels and supergroups). */
export const ChatRef = Type.Union([TelegramId, Type.String({ pattern: '^@[A-Za-z][A-Za-z0-9_]{3,31}$' })]);

/** Seed 003's `POST /api/send` body: `chat_id`, `message`, `client` (which bot); `bot_id` is the same as `client`. */
export const SendBody = Type.Object(
  {
    chat_id: ChatRef,
    message: Type.String({ minLength: 1, maxLength: 4096 }),
    client: Type.Optional(TelegramId),
    bot_id: Type.Optional(TelegramId),
    parse_mode: Type.Optional(Type.Enum(['HTML', 'MarkdownV2'])),
    disable_notification: Type.Optional(Type.Boolean()),
    reply_to_message_id: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);

export const SentMessage = Type.Object({
  status: Type.Literal('success'),
  bot_id: TelegramId,
  chat_id: TelegramId,
  message_id: Type.Integer(),
  date: Type.Integer(),
});

export const ChatParams = Type.Object({ chat_id: ChatRef });
export const ChatQuery = Type.Object({ bot_id: Type.Optional(TelegramId), client: Type.Optional(TelegramId) });

const NullableString = Type.Union([Type.String(), Type.Null()]);
export const ChatInfo = Type.Object({
  id: TelegramId,
  type: Type.String(),
  title: NullableString,
  username: NullableString,
  first_name: NullableString,
  last_name: NullableString,
  description: NullableString,
  is_forum: Type.Boolean(),
  member_count: Type.Union([Type.Integer(), Type.Null()]),
});
