import { Type } from 'typebox';
import { TelegramId, Timestamp } from '../../platform/http.ts';

const PositiveTelegramId = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });

export const StarsOptionsView = Type.Object({
  rate: Type.Object({ stars: Type.Integer(), credits: Type.Integer() }),
  currency: Type.Literal('XTR'),
  options: Type.Array(Type.Object({ id: Type.String(), stars: Type.Integer(), credits: Type.Integer() })),
});

export const CreateInvoiceBody = Type.Object(
  { telegram_id: PositiveTelegramId, option_id: Type.String({ pattern: '^[a-z0-9_]{1,32}$' }), bot_id: Type.Optional(TelegramId) },
  { additionalProperties: false },
);

export const InvoiceView = Type.Object({
  invoice_link: Type.String(),
  payload: Type.String(),
  option: Type.Object({ id: Type.String(), stars: Type.Integer(), credits: Type.Integer() }),
});

export const ConfirmStarsBody = Type.Object(
  {
    telegram_id: PositiveTelegramId,
    telegram_payment_charge_id: Type.String({ minLength: 1, maxLength: 256 }),
    provider_payment_charge_id: Type.Optional(Type.Union([Type.String({ maxLength: 256 }), Type.Null()])),
    total_amount: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
    invoice_payload: Type.String({ minLength: 1, maxLength: 128 }),
    currency: Type.Optional(Type.String({ maxLength: 8 })),
    bot_id: Type.Optional(TelegramId),
  },
  { additionalProperties: false },
);

export const PaymentResultView = Type.Object({
  payment_id: Type.Integer(),
  telegram_id: TelegramId,
  status: Type.String(),
  stars: Type.Integer(),
  credits: Type.Integer(),
  balance: Type.Integer(),
  referral_bonus: Type.Integer(),
  telegram_payment_charge_id: Type.String(),
  replayed: Type.Boolean(),
});

export const PaymentView = Type.Object({
  bill_id: Type.Integer(),
  user_id: Type.Integer(),
  telegram_id: TelegramId,
  amount: Type.Integer(),
  currency: Type.String(),
  credits: Type.Integer(),
  status: Type.String(),
  provider: Type.String(),
  telegram_payment_charge_id: Type.String(),
  date: Timestamp,
  refunded_at: Type.Union([Timestamp, Type.Null()]),
  meta: Type.Record(Type.String(), Type.Any()),
});

export const RefundBody = Type.Object({ reason: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false });
