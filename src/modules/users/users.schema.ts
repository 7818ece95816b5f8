import { Type } from 'typebox';
import { TelegramId, Timestamp } from '../../platform/http.ts';

const NullableString = Type.Union([Type.String(), Type.Null()]);

export const UserView = Type.Object({
  id: Type.Integer(),
  bot_id: TelegramId,
  telegram_id: TelegramId,
  username: NullableString,
  first_name: NullableString,
  last_name: NullableString,
  language_code: NullableString,
  is_premium: Type.Boolean(),
  referral_code: Type.String(),
  referrer_telegram_id: Type.Union([TelegramId, Type.Null()]),
  balance: Type.Integer(),
  is_banned: Type.Boolean(),
  ban_reason: NullableString,
  meta: Type.Record(Type.String(), Type.Any()),
  created_at: Timestamp,
  last_seen_at: Type.Union([Timestamp, Type.Null()]),
});

const PositiveTelegramId = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });

export const SyncUserBody = Type.Object(
  {
    telegram_id: PositiveTelegramId,
    username: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
    first_name: Type.Optional(Type.Union([Type.String({ maxLength: 256 }), Type.Null()])),
    last_name: Type.Optional(Type.Union([Type.String({ maxLength: 256 }), Type.Null()])),
    language_code: Type.Optional(Type.Union([Type.String({ maxLength: 16 }), Type.Null()])),
    is_premium: Type.Optional(Type.Boolean()),
    /** The /start or Mini App start parameter (`ref_<code>` or `<code>`). */
    start_param: Type.Optional(Type.Union([Type.String({ maxLength: 512 }), Type.Null()])),
    /** The referrer's code, when the client parsed it already. */
    referral_code: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
    /** For API keys that span bots. */
    bot_id: Type.Optional(TelegramId),
  },
  { additionalProperties: false },
);

export const SyncUserResponse = Type.Object({ user: UserView, created: Type.Boolean() });

export const TelegramIdParams = Type.Object({ telegram_id: PositiveTelegramId });
export const BotQuery = Type.Object({ bot_id: Type.Optional(TelegramId) });

export const BalanceView = Type.Object({ telegram_id: TelegramId, balance: Type.Integer() });

export const TrialView = Type.Object({
  telegram_id: TelegramId,
  kind: Type.String(),
  trial_available: Type.Boolean(),
  trial_used: Type.Boolean(),
  used_at: Type.Union([Timestamp, Type.Null()]),
});

export const ReferralsView = Type.Object({
  telegram_id: TelegramId,
  referral_code: Type.String(),
  referral_link: NullableString,
  ref_percent: Type.Integer(),
  referrals_count: Type.Integer(),
  referral_earnings: Type.Integer(),
  referrals: Type.Array(Type.Object({ telegram_id: TelegramId, username: NullableString, first_name: NullableString, joined_at: Timestamp })),
});
