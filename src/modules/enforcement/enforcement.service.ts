import type { Api } from 'grammy';
import type { ChatPermissions } from 'grammy/types';
import type { Db, Executor } from '../../db/client.ts';
import type { Cache } from '../../platform/cache.ts';
import { AppError } from '../../platform/errors.ts';
import type { PlatformEvents } from '../../platform/events.ts';
import { KeyedMutex } from '../../platform/keyed-mutex.ts';
import { telegramError } from '../../platform/telegram.ts';
import type { ActionSource, AuditService } from '../audit/audit.service.ts';
import type { BotsService } from '../bots/bots.service.ts';
import { activeUntil, type GroupsService, type SettingsPatch, type SettingsView } from '../groups/groups.service.ts';
import type { RolesService } from '../roles/roles.service.ts';
import type { PluginsService } from '../plugins/plugins.service.ts';
import { matchingRule, warnLimitOf, type RuleView, type RulesService } from '../rules/rules.service.ts';
import { EnforcementRepo, type UserActionRow } from './enforcement.repo.ts';

export const ACTION_TYPES = [
  'mute',
  'unmute',
  'ban',
  'unban',
  'kick',
  'warn',
  'unwarn',
  'restrict',
  'unrestrict',
  'lockdown',
  'unlock',
  'night_mode',
  'night_mode_on',
  'night_mode_off',
] as const;
export type ActionType = (typeof ACTION_TYPES)[number];

/**
 * Bans of a chat writing in the group (a channel, or a user posting as one): Telegram's
 * banChatSenderChat, permanent until lifted. `user_id` carries the sender chat's (negative) id.
 */
export const SENDER_CHAT_ACTIONS = ['ban_sender_chat', 'unban_sender_chat'] as const;
export type SenderChatAction = (typeof SENDER_CHAT_ACTIONS)[number];

/** The kinds of per-user state that stay in force (with an optional expiry). */
export const USER_STATE_KINDS = ['mute', 'ban', 'restrict'] as const;
type UserStateKind = (typeof USER_STATE_KINDS)[number];

/** Which role permission each action needs. */
export const PERMISSION_FOR: Record<CanonicalAction, string> = {
  mute: 'can_mute',
  unmute: 'can_mute',
  ban: 'can_ban',
  unban: 'can_ban',
  kick: 'can_kick',
  warn: 'can_warn',
  unwarn: 'can_warn',
  restrict: 'can_restrict',
  unrestrict: 'can_restrict',
  lockdown: 'can_lockdown',
  unlock: 'can_lockdown',
  night_mode_on: 'can_change_settings',
  night_mode_off: 'can_change_settings',
  ban_sender_chat: 'can_ban',
  unban_sender_chat: 'can_ban',
};

export type CanonicalAction = Exclude<ActionType, 'night_mode'> | SenderChatAction;
const CHAT_ACTIONS = new Set<CanonicalAction>(['lockdown', 'unlock', 'night_mode_on', 'night_mode_off']);
const TIMED_ACTIONS = new Set<CanonicalAction>(['mute', 'ban', 'restrict', 'lockdown', 'night_mode_on']);

/** Telegram treats restrictions shorter than 30 s or longer than 366 days as permanent. */
const TELEGRAM_MIN_SECONDS = 30;
const TELEGRAM_MAX_SECONDS = 366 * 86_400;

const NO_PERMISSIONS: ChatPermissions = {
  can_send_messages: false,
  can_send_audios: false,
  can_send_documents: false,
  can_send_photos: false,
  can_send_videos: false,
  can_send_video_notes: false,
  can_send_voice_notes: false,
  can_send_polls: false,
  can_send_other_messages: false,
  can_add_web_page_previews: false,
  can_react_to_messages: false,
  can_invite_users: false,
  can_pin_messages: false,
  can_change_info: false,
  can_manage_topics: false,
};
const ALL_PERMISSIONS = Object.fromEntries(Object.keys(NO_PERMISSIONS).map((k) => [k, true])) as ChatPermissions;
/** `restrict`: text only, no media, links, polls or stickers. */
const TEXT_ONLY: ChatPermissions = { ...NO_PERMISSIONS, can_send_messages: true, can_react_to_messages: true };
/** What a chat is given back after a lockdown when its earlier permissions are unknown. */
const DEFAULT_CHAT_PERMISSIONS: ChatPermissions = { ...ALL_PERMISSIONS, can_change_info: false, can_pin_messages: false, can_manage_topics: false };

export interface EnforceInput {
  user_id?: number | null;
  admin_id?: number | null;
  duration?: number | null;
  reason?: string | null;
  /** For `night_mode`: true turns it on (default), false off. */
  enabled?: boolean;
  source?: ActionSource;
}

export interface EnforcementResult {
  action_type: CanonicalAction;
  group_id: number;
  user_id: number | null;
  admin_id: number | null;
  duration: number | null;
  expires_at: string | null;
  reason: string | null;
  applied_to_telegram: boolean;
  warnings: number | null;
  rule_fired: { rule_id: number | null; name: string; penalty: string; result: EnforcementResult } | null;
}

export interface UserStatus {
  user_id: number;
  is_muted: boolean;
  is_banned: boolean;
  has_warnings: number;
  is_restricted: boolean;
  is_locked_down: boolean;
  night_mode_enabled: boolean;
  last_action: string | null;
  active_actions: string[];
}

/** The cached per-user part of a status; chat-wide parts come from the group's settings. */
interface UserPart {
  states: { kind: string; active: boolean; expires_at: string | null; updated_at: string }[];
  warnings: number;
  last_warning_at: string | null;
}

/** What a rule (or a setting acting as one) asks for, passed to enforce so the firing is recorded with the action. */
interface Penalty {
  rule: RuleView | null;
  name: string;
  action: CanonicalAction;
  duration: number | null;
}

const userKey = (groupId: number, userId: number) => `ustate:${groupId}:${userId}`;

/**
 * Enforcement: mute, ban, kick, warn, restrict, lockdown and night mode. Applies the action in
 * Telegram when the group's bot has a token, then records state and audit entry in one
 * transaction; warnings feed the rules, whose penalties apply automatically.
 */
export class EnforcementService {
  private readonly repo: EnforcementRepo;
  private readonly mutex = new KeyedMutex();

  constructor(
    private readonly db: Db,
    private readonly cache: Cache,
    private readonly groups: GroupsService,
    private readonly roles: RolesService,
    private readonly rules: RulesService,
    private readonly audit: AuditService,
    private readonly bots: BotsService,
    private readonly userTtlSeconds: number,
    private readonly events?: PlatformEvents,
    private readonly plugins?: Pick<PluginsService, 'isEnabled'>,
  ) {
    this.repo = new EnforcementRepo(db);
  }

  /**
   * Executes one action. Telegram refusing leaves state unchanged, logs the failed attempt and
   * throws with Telegram's description.
   *
   * @example
   * await enforcement.enforce(-1001234567890, 'mute', { user_id: 42, admin_id: 7, duration: 3600, reason: 'spam' });
   */
  async enforce(groupId: number, actionType: ActionType | SenderChatAction, input: EnforceInput, firedBy?: Penalty): Promise<EnforcementResult> {
    const action = canonical(actionType, input.enabled);
    const group = await this.groups.get(groupId);
    const isChatAction = CHAT_ACTIONS.has(action);
    const userId = isChatAction ? null : (input.user_id ?? null);
    if (!isChatAction && userId === null) {
      throw new AppError('USER_REQUIRED', { message: `Action "${action}" needs user_id` });
    }
    if (isSenderChatAction(action) && (userId! >= 0 || userId === groupId)) {
      throw new AppError('INVALID_SENDER_CHAT', { message: 'A sender chat is a channel or another chat (a negative id), not a user and not the group itself' });
    }
    const adminId = input.admin_id ?? null;
    if (adminId !== null) await this.roles.assertMayAct(groupId, adminId, userId, PERMISSION_FOR[action]);

    const api = await this.bots.apiFor(group.bot_id);
    const duration = TIMED_ACTIONS.has(action) && input.duration ? input.duration : null;
    if (api && duration !== null && !isChatAction && (duration < TELEGRAM_MIN_SECONDS || duration > TELEGRAM_MAX_SECONDS)) {
      throw new AppError('INVALID_DURATION', {
        message: `Telegram accepts timed restrictions between ${TELEGRAM_MIN_SECONDS} s and 366 days; omit duration for permanent`,
      });
    }
    const expiresAt = duration !== null ? new Date(Date.now() + duration * 1000) : null;
    const reason = input.reason ?? null;
    const source = input.source ?? 'api';
    const logBase = { group_id: groupId, user_id: userId, admin_id: adminId, action, reason, source, duration, meta: firedBy ? { rule_id: firedBy.rule?.id ?? null, rule: firedBy.name } : {} };

    // With the rules switch off a warning is only counted: no automatic penalty.
    const rulesOn = action === 'warn' && (group.bot_id === null || (await this.plugins?.isEnabled(group.bot_id, 'rules')) !== false);
    const penaltyContext: PenaltyContext | null = rulesOn ? { rules: await this.rules.list(groupId), settings: await this.groups.getSettings(groupId) } : null;
    const lockKey = `${groupId}:${userId ?? 'chat'}`;
    const outcome = await this.mutex.run(lockKey, async () => {
      let savedPermissions: Record<string, boolean> | null | undefined;
      if (api) {
        try {
          savedPermissions = await this.applyInTelegram(api, groupId, userId, action, expiresAt);
        } catch (err) {
          const mapped = telegramError(err);
          await this.audit.log({ ...logBase, result: 'failed', error: mapped.message });
          this.announce(group.bot_id, logBase, 'failed', null, mapped.message);
          throw mapped;
        }
      }
      return this.db.transaction(async (tx) => {
        let warnings: number | null = null;
        let penalty: Penalty | null = null;
        if (isChatAction) {
          await this.recordChatState(groupId, action, expiresAt, savedPermissions, tx);
        } else {
          // Warnings are counted against rules: concurrent warnings must see each other's rows.
          if (action === 'warn') await this.repo.lockUser(groupId, userId!, tx);
          const recorded = await this.recordUserState(groupId, userId!, action, expiresAt, reason, adminId, tx);
          warnings = recorded.warnings;
          if (penaltyContext && warnings !== null) penalty = await this.penaltyFor(groupId, userId!, warnings, penaltyContext, tx);
        }
        if (firedBy?.rule) await this.rules.recordFiring(firedBy.rule, userId!, tx);
        await this.audit.log({ ...logBase, meta: { ...logBase.meta, ...(warnings !== null && { warnings }) } }, tx);
        return { warnings, penalty };
      });
    });
    await this.invalidate(groupId, userId);
    this.announce(group.bot_id, logBase, 'success', expiresAt, null);

    const result: EnforcementResult = {
      action_type: action,
      group_id: groupId,
      user_id: userId,
      admin_id: adminId,
      duration,
      expires_at: expiresAt?.toISOString() ?? null,
      reason,
      applied_to_telegram: api !== null,
      warnings: outcome.warnings,
      rule_fired: null,
    };
    if (outcome.penalty) {
      const { penalty } = outcome;
      const applied = await this.enforce(
        groupId,
        penalty.action,
        { user_id: userId, duration: penalty.duration, reason: `Rule "${penalty.name}": ${outcome.warnings} warnings`, source: 'rule' },
        penalty,
      );
      result.rule_fired = { rule_id: penalty.rule?.id ?? null, name: penalty.name, penalty: penalty.action, result: applied };
    }
    return result;
  }

  /**
   * Deletes one group message with the group's bot, for a rule that fired on it: logs a
   * `delete` entry and, when `firedBy` is given (the deletion is the rule's whole penalty), the firing, in one
   * transaction. A message Telegram will not delete (already gone, no right) is logged as failed
   * and reported as false, not thrown: the rule's other penalty still applies.
   */
  async deleteMessage(groupId: number, input: { message_id: number; user_id: number | null; reason: string | null }, firedBy?: RuleView): Promise<boolean> {
    const group = await this.groups.get(groupId);
    const api = await this.bots.apiFor(group.bot_id);
    const logBase = {
      group_id: groupId,
      user_id: input.user_id,
      admin_id: null,
      action: 'delete',
      reason: input.reason,
      source: 'rule' as const,
      duration: null,
      meta: { message_id: input.message_id, ...(firedBy && { rule_id: firedBy.id, rule: firedBy.name }) },
    };
    if (api) {
      try {
        await api.deleteMessage(groupId, input.message_id);
      } catch (err) {
        const mapped = telegramError(err);
        await this.audit.log({ ...logBase, result: 'failed', error: mapped.message });
        this.announce(group.bot_id, logBase, 'failed', null, mapped.message);
        return false;
      }
    }
    await this.db.transaction(async (tx) => {
      if (firedBy) await this.rules.recordFiring(firedBy, input.user_id, tx);
      await this.audit.log(logBase, tx);
    });
    this.announce(group.bot_id, logBase, 'success', null, null);
    return api !== null;
  }

  /** Seed 001's status: what is in force for this user now, expiry applied at read time. */
  async userStatus(groupId: number, userId: number): Promise<UserStatus> {
    const [part, settings] = await Promise.all([this.userPart(groupId, userId), this.groups.getSettings(groupId)]);
    return composeStatus(userId, part, settings);
  }

  /**
   * Seed 001's `update_user_action_state`: records a state the caller already applied in
   * Telegram, without calling Telegram again.
   */
  async setUserActionState(
    groupId: number,
    userId: number,
    input: { action: string; state: 'active' | 'inactive'; duration?: number | null; admin_id?: number | null; reason?: string | null },
  ): Promise<UserStatus> {
    await this.groups.get(groupId);
    const on = input.state === 'active';
    const kind = input.action;
    const expiresAt = on && input.duration ? new Date(Date.now() + input.duration * 1000) : null;
    await this.mutex.run(`${groupId}:${kind === 'lockdown' || kind === 'night_mode' ? 'chat' : userId}`, () =>
      this.db.transaction(async (tx) => {
        if (kind === 'lockdown') await this.recordChatState(groupId, on ? 'lockdown' : 'unlock', expiresAt, undefined, tx);
        else if (kind === 'night_mode') await this.recordChatState(groupId, on ? 'night_mode_on' : 'night_mode_off', expiresAt, undefined, tx);
        else {
          await this.repo.lockUser(groupId, userId, tx);
          if (kind === 'warn') {
            if (on) await this.repo.addWarning({ groupId, userId, adminId: input.admin_id ?? null, reason: input.reason ?? null }, tx);
            else await this.repo.revokeWarnings(groupId, userId, true, tx);
          } else if ((USER_STATE_KINDS as readonly string[]).includes(kind)) {
            await this.repo.setState({ groupId, userId, kind, active: on, expiresAt, reason: input.reason ?? null, adminId: input.admin_id ?? null }, tx);
          } else {
            throw new AppError('UNKNOWN_ACTION', { message: `Unknown action "${input.action}"; expected one of ${[...USER_STATE_KINDS, 'warn', 'lockdown', 'night_mode'].join(', ')}` });
          }
        }
        await this.audit.log(
          { group_id: groupId, user_id: userId, admin_id: input.admin_id ?? null, action: kind, reason: input.reason ?? null, meta: { state: input.state, recorded_only: true } },
          tx,
        );
      }),
    );
    await this.invalidate(groupId, kind === 'lockdown' || kind === 'night_mode' ? null : userId);
    return this.userStatus(groupId, userId);
  }

  /**
   * Settings update from the API: lockdown and night-mode toggles go through enforcement (they
   * reach Telegram); everything else is stored by the groups service.
   */
  async updateSettings(groupId: number, patch: SettingsPatch & { features_enabled?: SettingsPatch['features_enabled'] & { night_mode?: boolean; lockdown_enabled?: boolean } }, actorId: number | null): Promise<SettingsView> {
    const current = await this.groups.getSettings(groupId);
    const features = patch.features_enabled ?? {};
    if (features.lockdown_enabled !== undefined && features.lockdown_enabled !== current.features_enabled.lockdown_enabled) {
      await this.enforce(groupId, features.lockdown_enabled ? 'lockdown' : 'unlock', { admin_id: actorId });
    }
    if (features.night_mode !== undefined && features.night_mode !== current.features_enabled.night_mode) {
      await this.enforce(groupId, features.night_mode ? 'night_mode_on' : 'night_mode_off', { admin_id: actorId });
    }
    const { lockdown_enabled: _l, night_mode: _n, ...storedFeatures } = features;
    const { features_enabled: _f, ...rest } = patch;
    const stored: SettingsPatch = Object.keys(storedFeatures).length > 0 ? { ...rest, features_enabled: storedFeatures } : rest;
    if (Object.keys(stored).length > 0) await this.groups.updateSettings(groupId, stored, actorId);
    return this.groups.getSettings(groupId);
  }

  /**
   * Writes `<kind>_expired` entries for timed states that ran out and lifts expired chat-wide
   * states (restoring the chat's permissions in Telegram). Status never waits for this: it
   * applies expiry when read.
   */
  async sweepExpired(batch = 500): Promise<number> {
    let total = 0;
    for (;;) {
      const expired = await this.db.transaction(async (tx) => {
        const rows = await this.repo.claimExpired(batch, tx);
        await this.audit.logMany(rows.map(expiryEntry), tx);
        return rows;
      });
      for (const row of expired) await this.invalidate(row.groupId, row.userId);
      total += expired.length;
      if (expired.length < batch) break;
    }
    for (const state of await this.groups.expiredChatStates()) {
      const action = state.kind === 'lockdown' ? 'unlock' : 'night_mode_off';
      try {
        await this.enforce(state.groupId, action, { reason: 'expired', source: 'system' });
        total++;
      } catch (err) {
        await this.audit.log({ group_id: state.groupId, action: `${state.kind}_expired`, result: 'failed', error: (err as Error).message, source: 'system' });
      }
    }
    return total;
  }

  /** Tells listeners (outbound webhooks, live stream) about an action once its outcome is final. */
  private announce(
    botId: number | null,
    entry: { group_id: number; user_id: number | null; admin_id: number | null; action: string; reason: string | null; source: string; duration: number | null },
    result: 'success' | 'failed',
    expiresAt: Date | null,
    error: string | null,
  ): void {
    this.events?.emit('enforcement.action', {
      group_id: entry.group_id,
      bot_id: botId,
      user_id: entry.user_id,
      admin_id: entry.admin_id,
      action: entry.action,
      result,
      source: entry.source,
      reason: entry.reason,
      duration: entry.duration,
      expires_at: expiresAt?.toISOString() ?? null,
      error,
    });
  }

  /** Counts of what is in force in a group, for group statistics. */
  async activeCounts(groupId: number) {
    return this.repo.activeCounts(groupId);
  }

  private async userPart(groupId: number, userId: number): Promise<UserPart> {
    return this.cache.getOrLoad(
      userKey(groupId, userId),
      (part: UserPart) => secondsUntilNextExpiry(part, this.userTtlSeconds),
      async () => {
        const [states, warnings] = await Promise.all([this.repo.states(groupId, userId), this.repo.activeWarnings(groupId, userId)]);
        return {
          states: states.map((s) => ({ kind: s.kind, active: s.active, expires_at: s.expiresAt?.toISOString() ?? null, updated_at: s.updatedAt.toISOString() })),
          warnings: warnings.count,
          last_warning_at: warnings.last?.toISOString() ?? null,
        };
      },
    );
  }

  private async invalidate(groupId: number, userId: number | null): Promise<void> {
    if (userId === null) await this.groups.invalidate(groupId);
    else await this.cache.invalidate(userKey(groupId, userId));
  }

  /** Calls Telegram for the action; returns the chat's previous permissions when a lockdown saves them. */
  private async applyInTelegram(
    api: Api,
    chatId: number,
    userId: number | null,
    action: CanonicalAction,
    expiresAt: Date | null,
  ): Promise<Record<string, boolean> | null | undefined> {
    const untilDate = expiresAt ? Math.floor(expiresAt.getTime() / 1000) : undefined;
    const user = userId!;
    switch (action) {
      case 'mute':
        await api.restrictChatMember(chatId, user, NO_PERMISSIONS, { until_date: untilDate, use_independent_chat_permissions: true });
        return;
      case 'restrict':
        await api.restrictChatMember(chatId, user, TEXT_ONLY, { until_date: untilDate, use_independent_chat_permissions: true });
        return;
      case 'unmute':
      case 'unrestrict':
        await api.restrictChatMember(chatId, user, ALL_PERMISSIONS, { use_independent_chat_permissions: true });
        return;
      case 'ban':
        await api.banChatMember(chatId, user, { until_date: untilDate });
        return;
      case 'unban':
        await api.unbanChatMember(chatId, user, { only_if_banned: true });
        return;
      case 'kick':
        // A kick is a ban lifted at once: the user leaves and may rejoin.
        await api.banChatMember(chatId, user);
        await api.unbanChatMember(chatId, user, { only_if_banned: true });
        return;
      case 'warn':
      case 'unwarn':
        return;
      case 'ban_sender_chat':
        await api.banChatSenderChat(chatId, user);
        return;
      case 'unban_sender_chat':
        await api.unbanChatSenderChat(chatId, user);
        return;
      case 'lockdown':
      case 'night_mode_on': {
        const state = await this.groups.getSettings(chatId);
        const alreadyClosed = state.features_enabled.lockdown_enabled || state.features_enabled.night_mode;
        const chat = alreadyClosed ? null : await api.getChat(chatId);
        await api.setChatPermissions(chatId, NO_PERMISSIONS);
        if (!chat) return undefined;
        return ('permissions' in chat && chat.permissions ? chat.permissions : DEFAULT_CHAT_PERMISSIONS) as Record<string, boolean>;
      }
      case 'unlock':
      case 'night_mode_off': {
        const state = await this.groups.getSettings(chatId);
        const otherStillOn = action === 'unlock' ? state.features_enabled.night_mode : state.features_enabled.lockdown_enabled;
        if (otherStillOn) return undefined;
        const saved = await this.groups.savedPermissions(chatId);
        await api.setChatPermissions(chatId, (saved ?? DEFAULT_CHAT_PERMISSIONS) as ChatPermissions);
        return null;
      }
    }
  }

  private async recordChatState(
    groupId: number,
    action: CanonicalAction,
    expiresAt: Date | null,
    savedPermissions: Record<string, boolean> | null | undefined,
    tx: Executor,
  ): Promise<void> {
    await this.groups.lockChatState(groupId, tx);
    const on = action === 'lockdown' || action === 'night_mode_on';
    const state = { on, until: on ? expiresAt : null };
    await this.groups.setChatState(
      groupId,
      { ...(action === 'lockdown' || action === 'unlock' ? { lockdown: state } : { nightMode: state }), ...(savedPermissions !== undefined && { savedPermissions }) },
      tx,
    );
  }

  private async recordUserState(
    groupId: number,
    userId: number,
    action: CanonicalAction,
    expiresAt: Date | null,
    reason: string | null,
    adminId: number | null,
    tx: Executor,
  ): Promise<{ warnings: number | null }> {
    const state = (kind: UserStateKind, active: boolean) =>
      this.repo.setState({ groupId, userId, kind, active, expiresAt: active ? expiresAt : null, reason, adminId }, tx);
    switch (action) {
      case 'mute':
      case 'ban':
      case 'restrict':
        await state(action, true);
        return { warnings: null };
      case 'unmute':
        await state('mute', false);
        return { warnings: null };
      case 'ban_sender_chat':
        await state('ban', true);
        return { warnings: null };
      case 'unban':
      case 'unban_sender_chat':
        await state('ban', false);
        return { warnings: null };
      case 'unrestrict':
        await state('restrict', false);
        return { warnings: null };
      case 'kick':
        return { warnings: null };
      case 'warn':
        await this.repo.addWarning({ groupId, userId, adminId, reason }, tx);
        return { warnings: (await this.repo.activeWarnings(groupId, userId, tx)).count };
      case 'unwarn':
        await this.repo.revokeWarnings(groupId, userId, false, tx);
        return { warnings: (await this.repo.activeWarnings(groupId, userId, tx)).count };
      default:
        throw new AppError('UNKNOWN_ACTION', { message: `Unknown action "${action}"` });
    }
  }

  /**
   * The penalty a warning count earns: the highest-priority enabled `warn_count` rule that
   * matches; if the group has no such rule, its moderation settings (`warn_limit` →
   * `warn_action`). Resets the warnings when the penalty asks for it (the default), inside the
   * same locked transaction, so concurrent warnings fire a penalty once. Rules and settings are
   * read before the transaction: PGlite has one connection, which the transaction holds.
   */
  private async penaltyFor(groupId: number, userId: number, warnings: number, context: PenaltyContext, tx: Executor): Promise<Penalty | null> {
    const warnRules = context.rules.filter((r) => r.enabled && r.trigger.type === 'warn_count');
    let penalty: Penalty | null = null;
    let reset = true;
    if (warnRules.length > 0) {
      const rule = matchingRule(warnRules, 'warn_count', warnings);
      if (rule && rule.penalty.action !== 'delete') {
        penalty = { rule, name: rule.name, action: rule.penalty.action, duration: rule.penalty.duration ?? null };
        reset = rule.penalty.reset_warnings !== false;
      }
    } else {
      const limit = warnLimitOf([], context.settings.moderation);
      if (limit && warnings >= limit.limit) penalty = { rule: null, name: limit.name, action: context.settings.moderation.warn_action, duration: limit.duration };
    }
    if (penalty && reset) await this.repo.revokeWarnings(groupId, userId, true, tx);
    return penalty;
  }
}

interface PenaltyContext {
  rules: RuleView[];
  settings: SettingsView;
}

export function isSenderChatAction(action: string): action is SenderChatAction {
  return (SENDER_CHAT_ACTIONS as readonly string[]).includes(action);
}

function canonical(actionType: ActionType | SenderChatAction, enabled: boolean | undefined): CanonicalAction {
  if (actionType === 'night_mode') return enabled === false ? 'night_mode_off' : 'night_mode_on';
  return actionType;
}

function composeStatus(userId: number, part: UserPart, settings: SettingsView): UserStatus {
  const now = Date.now();
  const active = part.states.filter((s) => activeUntil(s.active, s.expires_at, now)).map((s) => s.kind);
  const stamps = [...part.states.map((s) => s.updated_at), part.last_warning_at].filter((s): s is string => s !== null);
  return {
    user_id: userId,
    is_muted: active.includes('mute'),
    is_banned: active.includes('ban'),
    has_warnings: part.warnings,
    is_restricted: active.includes('restrict'),
    is_locked_down: settings.features_enabled.lockdown_enabled,
    night_mode_enabled: settings.features_enabled.night_mode,
    last_action: stamps.length ? stamps.sort().at(-1)! : null,
    active_actions: active.sort(),
  };
}

function secondsUntilNextExpiry(part: UserPart, ceiling: number): number {
  const now = Date.now();
  const future = part.states
    .filter((s) => s.active && s.expires_at !== null)
    .map((s) => (Date.parse(s.expires_at!) - now) / 1000)
    .filter((s) => s > 0);
  return Math.min(ceiling, ...future.map((s) => Math.ceil(s)));
}

function expiryEntry(row: UserActionRow) {
  return {
    group_id: row.groupId,
    user_id: row.userId,
    admin_id: row.adminId,
    action: `${row.kind}_expired`,
    reason: row.reason,
    result: 'expired' as const,
    source: 'system' as const,
    meta: { expired_at: row.expiresAt?.toISOString() ?? null },
  };
}
