import { Type } from 'typebox';
import { TelegramId, Timestamp } from '../../platform/http.ts';

export const RuleParams = Type.Object({ group_id: TelegramId, rule_id: Type.Integer({ minimum: 1 }) });

const Trigger = Type.Object(
  {
    type: Type.Enum(['warn_count', 'flood', 'keyword']),
    threshold: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
    pattern: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
    window_seconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
  },
  { additionalProperties: false },
);
const Penalty = Type.Object(
  {
    action: Type.Enum(['mute', 'ban', 'kick', 'warn', 'restrict']),
    duration: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 31_622_400 }), Type.Null()])),
    reset_warnings: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const RuleView = Type.Object({
  id: Type.Integer(),
  group_id: TelegramId,
  name: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  trigger: Trigger,
  penalty: Penalty,
  priority: Type.Integer(),
  enabled: Type.Boolean(),
  created_at: Timestamp,
  updated_at: Timestamp,
});

const ruleFields = {
  description: Type.Optional(Type.Union([Type.String({ maxLength: 1000 }), Type.Null()])),
  priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
  enabled: Type.Optional(Type.Boolean()),
  admin_id: Type.Optional(TelegramId),
};
const RuleName = Type.String({ minLength: 1, maxLength: 100 });

export const CreateRuleBody = Type.Object({ name: RuleName, trigger: Trigger, penalty: Penalty, ...ruleFields }, { additionalProperties: false });
export const UpdateRuleBody = Type.Object(
  { name: Type.Optional(RuleName), trigger: Type.Optional(Trigger), penalty: Type.Optional(Penalty), ...ruleFields },
  { additionalProperties: false, minProperties: 1 },
);

export const RuleHistoryView = Type.Object({
  id: Type.Integer(),
  rule_id: Type.Integer(),
  change: Type.String(),
  snapshot: Type.Record(Type.String(), Type.Any()),
  actor_id: Type.Union([TelegramId, Type.Null()]),
  target_user_id: Type.Union([TelegramId, Type.Null()]),
  created_at: Timestamp,
});
