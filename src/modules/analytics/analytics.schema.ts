import { Type } from 'typebox';
import { TelegramId } from '../../platform/http.ts';

/** Dates are checked for existence in the service (2024-02-30 is refused with a clear message). */
const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' });
const TimeZone = Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone days are counted in (default: the server setting, UTC)' });
const Page = Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1 });
const Limit = Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'at most 1000' });

export const AnalyticsQuery = Type.Object({ bot_id: TelegramId, start_date: Day, end_date: Day, tz: Type.Optional(TimeZone) });

export const AnalyticsDay = Type.Object({
  date: Type.String(),
  registrations: Type.Integer(),
  payments: Type.Integer(),
  trials: Type.Integer(),
  keys: Type.Integer(),
  renewals: Type.Integer(),
  revenue: Type.Integer(),
  refunds: Type.Integer(),
  subscriptions: Type.Integer(),
});

export const BotListItem = Type.Object({
  uid: TelegramId,
  bot_id: TelegramId,
  username: Type.Union([Type.String(), Type.Null()]),
  admin_id: Type.Union([TelegramId, Type.Null()]),
  admin_ids: Type.Array(TelegramId),
  ref_percent: Type.Integer(),
  balance: Type.Number(),
  status: Type.String(),
  meta: Type.Record(Type.String(), Type.Any()),
});

export const BotUsersQuery = Type.Object({ bot_id: TelegramId, page: Page, limit: Limit });
export const BotUsersPage = Type.Object({
  users: Type.Array(
    Type.Object({
      uid: Type.Integer(),
      user_id: TelegramId,
      username: Type.Union([Type.String(), Type.Null()]),
      reg_date: Type.Union([Type.String(), Type.Null()]),
      ref_percent: Type.Union([Type.Integer(), Type.Null()]),
      meta: Type.Record(Type.String(), Type.Any()),
    }),
  ),
  total: Type.Integer(),
  page: Type.Integer(),
  limit: Type.Integer(),
});

export const BotPaymentsQuery = Type.Object({ bot_id: TelegramId, start_date: Type.Optional(Day), end_date: Type.Optional(Day), tz: Type.Optional(TimeZone), page: Page, limit: Limit });
export const BotPaymentsPage = Type.Object({
  payments: Type.Array(
    Type.Object({
      bill_id: Type.Integer(),
      user_id: TelegramId,
      amount: Type.Integer(),
      currency: Type.String(),
      status: Type.String(),
      provider: Type.String(),
      date: Type.String(),
      meta: Type.Record(Type.String(), Type.Any()),
    }),
  ),
  total: Type.Integer(),
  page: Type.Integer(),
  limit: Type.Integer(),
});

export const BotSubscriptionsQuery = Type.Object({ bot_id: TelegramId, status: Type.Optional(Type.Enum(['Active', 'Expired', 'Cancelled'])), page: Page, limit: Limit });
export const SubscriptionView = Type.Object({
  uid: Type.Integer(),
  sub_uid: Type.String(),
  user_id: TelegramId,
  telegram_id: TelegramId,
  status: Type.String(),
  is_trial: Type.Boolean(),
  start_date: Type.String(),
  stop_date: Type.Union([Type.String(), Type.Null()]),
  meta: Type.Record(Type.String(), Type.Any()),
  keys: Type.Array(Type.String()),
});
export const BotSubscriptionsPage = Type.Object({ subscriptions: Type.Array(SubscriptionView), total: Type.Integer(), page: Type.Integer(), limit: Type.Integer() });

export const BotSummary = Type.Object({
  total_users: Type.Integer(),
  active_users: Type.Integer(),
  new_users_month: Type.Integer(),
  total_revenue: Type.Number(),
  monthly_revenue: Type.Number(),
  average_check: Type.Number(),
});

export const DaysQuery = Type.Object({ days: Type.Integer({ minimum: 1, maximum: 366, default: 30 }), bot_id: Type.Optional(TelegramId), tz: Type.Optional(TimeZone) });
