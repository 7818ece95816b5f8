import { Type } from 'typebox';
import { TelegramId, Timestamp } from '../../platform/http.ts';

export const GroupParams = Type.Object({ group_id: TelegramId });

export const GroupView = Type.Object({
  group_id: TelegramId,
  bot_id: Type.Union([TelegramId, Type.Null()]),
  name: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  language: Type.String(),
  timezone: Type.String(),
  is_active: Type.Boolean(),
  meta: Type.Record(Type.String(), Type.Any()),
  created_at: Timestamp,
  updated_at: Timestamp,
});

const Language = Type.String({ pattern: '^[a-z]{2}(-[A-Za-z]{2})?$' });
const TimeZone = Type.String({ minLength: 1, maxLength: 64 });

export const CreateGroupBody = Type.Object({
  group_id: TelegramId,
  name: Type.String({ minLength: 1, maxLength: 255 }),
  description: Type.Optional(Type.Union([Type.String({ maxLength: 2000 }), Type.Null()])),
  bot_id: Type.Optional(Type.Union([TelegramId, Type.Null()])),
  language: Type.Optional(Language),
  timezone: Type.Optional(TimeZone),
  meta: Type.Optional(Type.Record(Type.String(), Type.Any())),
});

export const UpdateGroupBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    description: Type.Optional(Type.Union([Type.String({ maxLength: 2000 }), Type.Null()])),
    bot_id: Type.Optional(Type.Union([TelegramId, Type.Null()])),
    language: Type.Optional(Language),
    timezone: Type.Optional(TimeZone),
    is_active: Type.Optional(Type.Boolean()),
    meta: Type.Optional(Type.Record(Type.String(), Type.Any())),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const ListGroupsQuery = Type.Object({
  page: Type.Integer({ minimum: 1, default: 1 }),
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  is_active: Type.Optional(Type.Boolean()),
  bot_id: Type.Optional(TelegramId),
});

const FeaturesEnabled = Type.Object({
  auto_delete_commands: Type.Boolean(),
  auto_delete_welcome: Type.Boolean(),
  night_mode: Type.Boolean(),
  lockdown_enabled: Type.Boolean(),
});

const Logging = Type.Object({ enabled: Type.Boolean(), log_channel_id: Type.Union([TelegramId, Type.Null()]) });
const PenaltyAction = Type.Enum(['mute', 'ban', 'kick']);
const Moderation = Type.Object({
  warn_limit: Type.Integer({ minimum: 0, maximum: 100 }),
  warn_action: PenaltyAction,
  warn_action_duration: Type.Union([Type.Integer({ minimum: 30, maximum: 31_622_400 }), Type.Null()]),
  flood_messages: Type.Integer({ minimum: 2, maximum: 100 }),
  flood_window_seconds: Type.Integer({ minimum: 1, maximum: 3600 }),
  flood_action: Type.Union([PenaltyAction, Type.Literal('warn')]),
  captcha_enabled: Type.Boolean(),
  captcha_timeout_seconds: Type.Integer({ minimum: 10, maximum: 3600 }),
});
const HourMinute = Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$' });
const NightSchedule = Type.Object({ start: HourMinute, end: HourMinute }, { additionalProperties: false });

export const SettingsView = Type.Object({
  group_id: TelegramId,
  group_name: Type.String(),
  features_enabled: FeaturesEnabled,
  welcome_message: Type.Union([Type.String(), Type.Null()]),
  goodbye_message: Type.Union([Type.String(), Type.Null()]),
  logging: Logging,
  moderation: Moderation,
  night_mode_schedule: Type.Union([NightSchedule, Type.Null()]),
  custom_settings: Type.Record(Type.String(), Type.Any()),
  lockdown_until: Type.Union([Timestamp, Type.Null()]),
  night_mode_until: Type.Union([Timestamp, Type.Null()]),
  updated_at: Timestamp,
});

export const UpdateSettingsBody = Type.Object(
  {
    welcome_message: Type.Optional(Type.Union([Type.String({ maxLength: 4096 }), Type.Null()])),
    goodbye_message: Type.Optional(Type.Union([Type.String({ maxLength: 4096 }), Type.Null()])),
    features_enabled: Type.Optional(Type.Partial(FeaturesEnabled, { additionalProperties: false })),
    logging: Type.Optional(Type.Partial(Logging, { additionalProperties: false })),
    moderation: Type.Optional(Type.Partial(Moderation, { additionalProperties: false })),
    night_mode_schedule: Type.Optional(Type.Union([NightSchedule, Type.Null()])),
    custom_settings: Type.Optional(Type.Record(Type.String({ maxLength: 100 }), Type.Any(), { maxProperties: 200 })),
    admin_id: Type.Optional(TelegramId),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const GroupStats = Type.Object({
  group_id: TelegramId,
  name: Type.String(),
  total_actions: Type.Integer(),
  failed_actions: Type.Integer(),
  actions_last_24h: Type.Integer(),
  actions_last_7d: Type.Integer(),
  distinct_users_acted_on: Type.Integer(),
  actions_by_type: Type.Record(Type.String(), Type.Integer()),
  active: Type.Object({ muted: Type.Integer(), banned: Type.Integer(), restricted: Type.Integer(), warnings: Type.Integer() }),
  roles: Type.Integer(),
  members_with_roles: Type.Integer(),
  rules: Type.Integer(),
  rules_enabled: Type.Integer(),
});

export const MigrateGroupBody = Type.Object({ new_group_id: TelegramId }, { additionalProperties: false });
