import { Type } from 'typebox';
import { TelegramId } from '../../platform/http.ts';

export const RedeemLinkBody = Type.Object({ token: Type.String({ minLength: 16, maxLength: 2048 }) }, { additionalProperties: false });

export const AdminSessionView = Type.Object({
  access_token: Type.String(),
  token_type: Type.Literal('bearer'),
  expires_in: Type.Integer(),
  operator: Type.Boolean(),
  admin: Type.Union([Type.Object({ telegram_id: TelegramId, bot_ids: Type.Array(TelegramId) }), Type.Null()]),
});

export const LoginOptionsView = Type.Object({
  /** Username of the bot whose Telegram Login Widget the panel shows; null: none registered. */
  login_widget_bot: Type.Union([Type.String(), Type.Null()]),
});
