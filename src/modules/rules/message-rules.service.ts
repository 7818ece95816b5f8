import type { Logger } from 'pino';
import type { EnforcementResult, EnforcementService } from '../enforcement/enforcement.service.ts';
import { MAX_CHECKED_TEXT_LENGTH } from './rules.schema.ts';
import { compiledKeyword, type RuleView, type RulesService } from './rules.service.ts';

/** One group message to check: who sent it, its id, and everything it shows, one part per line. */
export interface CheckedMessage {
  /** Null for a message sent on behalf of a chat (a channel, an anonymous admin): only deleting it is possible. */
  user_id: number | null;
  message_id: number;
  text: string;
  from_admin: boolean;
}

/** A keyword rule that fired, and what it did. */
export interface RuleHit {
  rule_id: number;
  name: string;
  action: RuleView['penalty']['action'];
  duration: number | null;
  message_deleted: boolean;
  /** The enforcement result when the penalty acted on the member. */
  result: EnforcementResult | null;
}

/** A single match slower than this is logged: the save-time probe should have kept it out. */
const SLOW_MATCH_MS = 20;

/**
 * Keyword rules on group messages: each message is matched against the group's enabled keyword
 * rules, highest priority first; the first match deletes the message (unless the rule says not
 * to) and applies its penalty through enforcement, which logs it with the rule id and records
 * the firing in the rule's history. Chat administrators are skipped by rules that exempt them.
 *
 * Matching is bounded: patterns were probed at save time (see rules.patterns.ts) and only the
 * first MAX_CHECKED_TEXT_LENGTH characters of a message are matched.
 */
export class MessageRulesService {
  constructor(
    private readonly rules: RulesService,
    private readonly enforcement: EnforcementService,
    private readonly logger: Logger,
  ) {}

  /**
   * Checks one message; returns what the first matching rule did, or null when none matched.
   *
   * @example
   * const hit = await messageRules.check(chatId, { user_id: 42, message_id: 7, text: 'see https://spam.example', from_admin: false });
   */
  async check(groupId: number, message: CheckedMessage): Promise<RuleHit | null> {
    const rule = await this.firstMatch(groupId, message);
    if (!rule) return null;
    const { action } = rule.penalty;
    const duration = rule.penalty.duration ?? null;
    const reason = `Rule "${rule.name}"`;
    const onMember = action !== 'delete' && message.user_id !== null;
    let deleted = false;
    if (!onMember || rule.penalty.delete_message !== false) {
      deleted = await this.enforcement.deleteMessage(groupId, { message_id: message.message_id, user_id: message.user_id, reason }, onMember ? undefined : rule);
    }
    if (!onMember) return { rule_id: rule.id, name: rule.name, action, duration: null, message_deleted: deleted, result: null };
    const result = await this.enforcement.enforce(groupId, action, { user_id: message.user_id, duration, reason, source: 'rule' }, { rule, name: rule.name, action, duration });
    return { rule_id: rule.id, name: rule.name, action, duration: result.duration, message_deleted: deleted, result };
  }

  private async firstMatch(groupId: number, message: CheckedMessage): Promise<RuleView | undefined> {
    const text = message.text.slice(0, MAX_CHECKED_TEXT_LENGTH);
    if (text.trim() === '') return undefined;
    for (const rule of await this.rules.list(groupId)) {
      if (!rule.enabled || rule.trigger.type !== 'keyword' || !rule.trigger.pattern) continue;
      if (message.from_admin && rule.exempt_admins) continue;
      const started = performance.now();
      const matched = compiledKeyword(rule.trigger).test(text);
      const took = performance.now() - started;
      if (took > SLOW_MATCH_MS) this.logger.warn({ group_id: groupId, rule_id: rule.id, ms: Math.round(took), length: text.length }, 'slow keyword rule');
      if (matched) return rule;
    }
    return undefined;
  }
}
