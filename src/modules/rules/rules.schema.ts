import { Type } from 'typebox';
import { TelegramId, Timestamp } from '../../platform/http.ts';

/** Longest keyword pattern accepted; with the capped message text this bounds matching time. */
export const MAX_PATTERN_LENGTH = 500;
/** Longest stretch of a message (text, caption, links, buttons, forward origin) matched against keyword rules. */
export const MAX_CHECKED_TEXT_LENGTH = 4096;

export const RuleParams = Type.Object({ group_id: TelegramId, rule_id: Type.Integer({ minimum: 1 }) });

const Trigger = Type.Object(
  {
    type: Type.Enum(['warn_count', 'flood', 'keyword']),
    threshold: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
    pattern: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_PATTERN_LENGTH })),
    match: Type.Optional(Type.Enum(['regex', 'literal'], { description: 'For `keyword`: a regular expression (default) or literal text; both case-insensitive.' })),
    window_seconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
  },
  { additionalProperties: false },
);
const Penalty = Type.Object(
  {
    action: Type.Enum(['delete', 'mute', 'ban', 'kick', 'warn', 'restrict'], { description: '`delete` removes the message only (keyword rules).' }),
    duration: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 31_622_400 }), Type.Null()])),
    reset_warnings: Type.Optional(Type.Boolean()),
    delete_message: Type.Optional(Type.Boolean({ description: 'Keyword rules: also delete the matching message (default true).' })),
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
  exempt_admins: Type.Boolean(),
  created_at: Timestamp,
  updated_at: Timestamp,
});

const ruleFields = {
  description: Type.Optional(Type.Union([Type.String({ maxLength: 1000 }), Type.Null()])),
  priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
  enabled: Type.Optional(Type.Boolean()),
  exempt_admins: Type.Optional(Type.Boolean({ description: 'Chat administrators are not checked against the rule (default true).' })),
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

/** One group message, as the bot sees it, to check against the group's keyword rules. */
export const CheckMessageBody = Type.Object(
  {
    /** The sender; null for a message sent on behalf of a chat (channel, anonymous admin). */
    user_id: Type.Union([TelegramId, Type.Null()]),
    message_id: Type.Integer({ minimum: 1 }),
    /** Text, caption, link targets, button URLs and forward origin, one per line (longer text is cut). */
    text: Type.String({ maxLength: 65_536 }),
    from_admin: Type.Boolean(),
  },
  { additionalProperties: false },
);

export const RuleHit = Type.Object({
  rule_id: Type.Integer(),
  name: Type.String(),
  action: Type.String(),
  duration: Type.Union([Type.Integer(), Type.Null()]),
  message_deleted: Type.Boolean(),
  /** The enforcement result when the penalty acted on the member. */
  result: Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()]),
});
