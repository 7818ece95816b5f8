import type { SharedState } from '../../platform/shared-state.ts';
import type { EnforcementResult, EnforcementService } from '../enforcement/enforcement.service.ts';
import type { GroupsService } from '../groups/groups.service.ts';
import type { RuleView, RulesService } from '../rules/rules.service.ts';
import type { MemberPenaltyAction } from '../rules/rules.tables.ts';

interface Limit {
  rule: RuleView | null;
  name: string;
  messages: number;
  windowSeconds: number;
  action: MemberPenaltyAction;
  duration: number | null;
}

/**
 * Flood control: N messages within T seconds earn a penalty. The limits come from the group's
 * enabled `flood` rules (highest priority first) or, without such rules, from its moderation
 * settings. The penalty goes through enforcement, so it is logged and recorded like any action.
 *
 * Arrival times live in the shared state (Redis when configured), so a group whose webhook
 * updates are spread over several instances, or whose bot runs remotely, is counted once.
 */
export class AntifloodService {
  constructor(
    private readonly shared: SharedState,
    private readonly groups: GroupsService,
    private readonly rules: RulesService,
    private readonly enforcement: EnforcementService,
    private readonly defaultPenaltySeconds: number,
  ) {}

  /**
   * Counts one message; when it crosses a limit, applies the penalty and returns its result
   * (the counter starts again), otherwise null.
   *
   * @example
   * const penalty = await antiflood.onMessage(chatId, userId);
   */
  async onMessage(groupId: number, userId: number, at = Date.now()): Promise<EnforcementResult | null> {
    const limits = await this.limitsFor(groupId);
    if (limits.length === 0) return null;
    const key = `flood:${groupId}:${userId}`;
    const longest = Math.max(...limits.map((l) => l.windowSeconds)) * 1000;
    const times = await this.shared.recordHit(key, at, longest);
    const crossed = limits.find((l) => times.filter((t) => at - t < l.windowSeconds * 1000).length >= l.messages);
    if (!crossed) return null;
    await this.shared.reset(key);
    const count = times.filter((t) => at - t < crossed.windowSeconds * 1000).length;
    return this.enforcement.enforce(
      groupId,
      crossed.action,
      { user_id: userId, duration: crossed.duration, reason: `Flood: ${count} messages in ${crossed.windowSeconds} s`, source: 'rule' },
      { rule: crossed.rule, name: crossed.name, action: crossed.action, duration: crossed.duration },
    );
  }

  private async limitsFor(groupId: number): Promise<Limit[]> {
    const [rules, settings] = await Promise.all([this.rules.list(groupId), this.groups.getSettings(groupId)]);
    const { moderation } = settings;
    const floodRules = rules.filter((r) => r.enabled && r.trigger.type === 'flood' && r.trigger.threshold);
    if (floodRules.length > 0) {
      // Rules refuse `delete` for flood triggers at save time; the narrowing only tells the compiler.
      return floodRules.flatMap((r) => {
        const { action, duration } = r.penalty;
        if (action === 'delete') return [];
        const windowSeconds = r.trigger.window_seconds ?? moderation.flood_window_seconds;
        return [{ rule: r, name: r.name, messages: r.trigger.threshold!, windowSeconds, action, duration: duration ?? this.penaltyDuration(action) }];
      });
    }
    return [
      {
        rule: null,
        name: 'flood',
        messages: moderation.flood_messages,
        windowSeconds: moderation.flood_window_seconds,
        action: moderation.flood_action,
        duration: this.penaltyDuration(moderation.flood_action),
      },
    ];
  }

  private penaltyDuration(action: Limit['action']): number | null {
    return action === 'mute' || action === 'restrict' || action === 'ban' ? this.defaultPenaltySeconds : null;
  }
}
