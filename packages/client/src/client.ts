import type { Static, TSchema } from 'typebox';
import type { ActionView, ListActionsQuery, SeedLogActionBody, UserStats } from '../../../src/modules/audit/audit.schema.ts';
import type { BotView, RegisterBotBody } from '../../../src/modules/bots/bots.schema.ts';
import type { ChallengeView } from '../../../src/modules/captcha/captcha.schema.ts';
import type { KnownUserView, SeenUserBody } from '../../../src/modules/members/members.schema.ts';
import type { EnforcementBody, EnforcementResult, UserActionStateBody, UserStatus } from '../../../src/modules/enforcement/enforcement.schema.ts';
import type { ActionType } from '../../../src/modules/enforcement/enforcement.service.ts';
import type { CreateGroupBody, GroupStats, GroupView, SettingsView, UpdateGroupBody, UpdateSettingsBody } from '../../../src/modules/groups/groups.schema.ts';
import type { CreateRoleBody, Member, RoleView, Standing, UpdateRoleBody } from '../../../src/modules/roles/roles.schema.ts';
import type { CheckMessageBody, CreateRuleBody, RuleHistoryView, RuleHit, RuleView, UpdateRuleBody } from '../../../src/modules/rules/rules.schema.ts';
import type { PluginList } from '../../../src/modules/plugins/plugins.schema.ts';

/** Types come from the same TypeBox schemas the server validates with and publishes as OpenAPI. */
type T<S extends TSchema> = Static<S>;
export type Group = T<typeof GroupView>;
export type GroupSettings = T<typeof SettingsView>;
export type Status = T<typeof UserStatus>;
export type ActionResult = T<typeof EnforcementResult>;
export type LoggedAction = T<typeof ActionView>;
export type Role = T<typeof RoleView>;
export type Rule = T<typeof RuleView>;
export type KnownUser = T<typeof KnownUserView>;
export type Challenge = T<typeof ChallengeView>;
export interface Page<I> {
  items: I[];
  total: number;
  page: number;
  limit: number;
  pages: number;
}

export interface TgbaseClientOptions {
  /** e.g. `http://localhost:8002` */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <key>` (API_V2_KEY or a scoped key). */
  apiKey: string;
  /** Per request; seed 001 uses 15 s. */
  timeoutMs?: number;
}

/** The server answered with an error: `status`, the stable `code` and the server's message. */
export class TgbaseApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    /** The server's own message, without the status and code prefix. */
    readonly serverMessage: string,
    readonly details?: unknown,
  ) {
    super(`tgbase ${status} ${code}: ${serverMessage}`);
    this.name = 'TgbaseApiError';
  }
}

/** No answer in time, or no connection; `cause` holds the underlying error. */
export class TgbaseUnavailableError extends Error {
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
    this.name = 'TgbaseUnavailableError';
  }
}

type Query = Record<string, string | number | boolean | undefined>;

/**
 * Client for the tgbase API (seed 001's APIv2ClientV2 and the rest of the moderation API).
 * Uses Node's fetch, whose connection pool keeps connections alive and reuses them across
 * calls; every request has a timeout (15 s by default).
 *
 * @example
 * const tgbase = new TgbaseClient({ baseUrl: 'http://localhost:8002', apiKey: process.env.API_V2_KEY! });
 * await tgbase.executeAction('mute', { user_id: 42, group_id: -1001234567890, admin_id: 7, duration: 600, reason: 'spam' });
 */
export class TgbaseClient {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;

  constructor(private readonly options: TgbaseClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/$/, '');
    this.timeoutMs = options.timeoutMs ?? 15_000;
  }

  // Seed 001: APIv2ClientV2

  /** True when the API and its database answer. Never throws. */
  async healthCheck(): Promise<boolean> {
    try {
      const res = await this.send('GET', '/health');
      await res.body?.cancel();
      return res.ok;
    } catch {
      return false;
    }
  }

  async executeAction(
    actionType: ActionType,
    input: { group_id: number } & Omit<T<typeof EnforcementBody>, 'group_id' | 'action_type' | 'timestamp'>,
  ): Promise<ActionResult> {
    const { group_id, ...body } = input;
    return this.call('POST', `/api/v2/groups/${group_id}/enforcement/${actionType}`, { ...body, action_type: actionType, group_id, timestamp: new Date().toISOString() });
  }

  /** Bans (or unbans) a channel, or a user posting as a chat, from writing in the group. */
  async setSenderChatBan(
    groupId: number,
    senderChatId: number,
    ban: boolean,
    input: Omit<T<typeof EnforcementBody>, 'group_id' | 'action_type' | 'timestamp' | 'user_id' | 'duration' | 'enabled'> = {},
  ): Promise<ActionResult> {
    return this.call('POST', `/api/v2/groups/${groupId}/sender-chats/${senderChatId}/${ban ? 'ban' : 'unban'}`, input);
  }

  async getUserStatus(userId: number, groupId: number): Promise<Status> {
    return this.call('GET', `/api/v2/groups/${groupId}/users/${userId}/status`);
  }

  async getGroupSettings(groupId: number): Promise<GroupSettings> {
    return this.call('GET', `/api/v2/groups/${groupId}/settings`);
  }

  async updateUserActionState(
    userId: number,
    groupId: number,
    action: T<typeof UserActionStateBody>['action'],
    state: 'active' | 'inactive',
    extra: Pick<T<typeof UserActionStateBody>, 'duration' | 'admin_id' | 'reason'> = {},
  ): Promise<Status> {
    return this.call('POST', `/api/v2/groups/${groupId}/users/${userId}/actions`, { user_id: userId, action, state, ...extra, timestamp: new Date().toISOString() });
  }

  /** Appends to the audit trail; false (not an exception) when it could not, as in seed 001. */
  async logAction(entry: Omit<T<typeof SeedLogActionBody>, 'timestamp'>): Promise<boolean> {
    try {
      await this.call('POST', '/api/v2/logs/actions', { ...entry, timestamp: new Date().toISOString() });
      return true;
    } catch {
      return false;
    }
  }

  // Groups and settings

  async createGroup(input: T<typeof CreateGroupBody>): Promise<Group> {
    return this.call('POST', '/api/v2/groups', input);
  }

  async getGroup(groupId: number): Promise<Group> {
    return this.call('GET', `/api/v2/groups/${groupId}`);
  }

  async listGroups(query: { page?: number; limit?: number; is_active?: boolean; bot_id?: number } = {}): Promise<Page<Group>> {
    return this.call('GET', '/api/v2/groups', undefined, query);
  }

  async updateGroup(groupId: number, patch: T<typeof UpdateGroupBody>): Promise<Group> {
    return this.call('PUT', `/api/v2/groups/${groupId}`, patch);
  }

  async updateGroupSettings(groupId: number, patch: T<typeof UpdateSettingsBody>): Promise<GroupSettings> {
    return this.call('PUT', `/api/v2/groups/${groupId}/settings`, patch);
  }

  async migrateGroup(groupId: number, newGroupId: number): Promise<Group> {
    return this.call('POST', `/api/v2/groups/${groupId}/migrate`, { new_group_id: newGroupId });
  }

  async groupStats(groupId: number): Promise<T<typeof GroupStats>> {
    return this.call('GET', `/api/v2/groups/${groupId}/stats`);
  }

  // Roles

  async listRoles(groupId: number): Promise<Role[]> {
    return this.call('GET', `/api/v2/groups/${groupId}/roles`);
  }

  async createRole(groupId: number, input: T<typeof CreateRoleBody>): Promise<Role> {
    return this.call('POST', `/api/v2/groups/${groupId}/roles`, input);
  }

  async updateRole(groupId: number, name: string, patch: T<typeof UpdateRoleBody>): Promise<Role> {
    return this.call('PUT', `/api/v2/groups/${groupId}/roles/${encodeURIComponent(name)}`, patch);
  }

  async deleteRole(groupId: number, name: string): Promise<void> {
    await this.call('DELETE', `/api/v2/groups/${groupId}/roles/${encodeURIComponent(name)}`);
  }

  async assignRole(groupId: number, userId: number, role: string, adminId?: number): Promise<T<typeof Standing>> {
    return this.call('PUT', `/api/v2/groups/${groupId}/users/${userId}/role`, { role, ...(adminId !== undefined && { admin_id: adminId }) });
  }

  async getUserRole(groupId: number, userId: number): Promise<T<typeof Standing>> {
    return this.call('GET', `/api/v2/groups/${groupId}/users/${userId}/role`);
  }

  async removeUserRole(groupId: number, userId: number): Promise<void> {
    await this.call('DELETE', `/api/v2/groups/${groupId}/users/${userId}/role`);
  }

  async listMembers(groupId: number): Promise<T<typeof Member>[]> {
    return this.call('GET', `/api/v2/groups/${groupId}/members`);
  }

  // Rules

  async listRules(groupId: number): Promise<Rule[]> {
    return this.call('GET', `/api/v2/groups/${groupId}/rules`);
  }

  async createRule(groupId: number, input: T<typeof CreateRuleBody>): Promise<Rule> {
    return this.call('POST', `/api/v2/groups/${groupId}/rules`, input);
  }

  async getRule(groupId: number, ruleId: number): Promise<Rule> {
    return this.call('GET', `/api/v2/groups/${groupId}/rules/${ruleId}`);
  }

  async updateRule(groupId: number, ruleId: number, patch: T<typeof UpdateRuleBody>): Promise<Rule> {
    return this.call('PUT', `/api/v2/groups/${groupId}/rules/${ruleId}`, patch);
  }

  async deleteRule(groupId: number, ruleId: number): Promise<void> {
    await this.call('DELETE', `/api/v2/groups/${groupId}/rules/${ruleId}`);
  }

  async ruleHistory(groupId: number, ruleId: number): Promise<T<typeof RuleHistoryView>[]> {
    return this.call('GET', `/api/v2/groups/${groupId}/rules/${ruleId}/history`);
  }

  // Action log and bots

  async listActions(groupId: number, query: Partial<T<typeof ListActionsQuery>> = {}): Promise<Page<LoggedAction>> {
    return this.call('GET', `/api/v2/groups/${groupId}/actions`, undefined, query as Query);
  }

  async userStats(groupId: number, userId: number): Promise<T<typeof UserStats>> {
    return this.call('GET', `/api/v2/groups/${groupId}/users/${userId}/stats`);
  }

  async registerBot(input: T<typeof RegisterBotBody>): Promise<T<typeof BotView>> {
    return this.call('POST', '/api/v2/bots', input);
  }

  async listBots(): Promise<T<typeof BotView>[]> {
    return this.call('GET', '/api/v2/bots');
  }

  async getBot(botId: number): Promise<T<typeof BotView>> {
    return this.call('GET', `/api/v2/bots/${botId}`);
  }

  /** Deletes one of the bot's messages after `afterSeconds`, by a durable job on the server. */
  async scheduleMessageDeletion(botId: number, chatId: number, messageId: number, afterSeconds: number): Promise<void> {
    await this.call('POST', `/api/v2/bots/${botId}/scheduled-deletions`, { chat_id: chatId, message_id: messageId, delete_after_seconds: afterSeconds });
  }

  /** The bot's module switches (seed 003's plugins) and whether each is on. */
  async listPlugins(botId: number): Promise<T<typeof PluginList>> {
    return this.call('GET', '/api/plugins', undefined, { bot_id: botId });
  }

  // What a bot running in its own process needs (global keys for members)

  /** Remembers a user a bot saw, so that `/mute @username` can find them. */
  async rememberMember(userId: number, user: T<typeof SeenUserBody>): Promise<KnownUser> {
    return this.call('PUT', `/api/v2/members/${userId}`, user);
  }

  /** The user as last seen, or null when never seen. */
  async getMember(userId: number): Promise<KnownUser | null> {
    return this.orNull(this.call('GET', `/api/v2/members/${userId}`));
  }

  /** The user last seen with this @username, or null. */
  async findMemberByUsername(username: string): Promise<KnownUser | null> {
    return this.orNull(this.call('GET', `/api/v2/members/by-username/${encodeURIComponent(username.replace(/^@/, ''))}`));
  }

  /** Starts a new-member captcha shown in `message_id`: the newcomer is muted, and kicked after the timeout unless solved. */
  async startCaptcha(groupId: number, input: { user_id: number; message_id: number | null; timeout_seconds: number }): Promise<Challenge> {
    return this.call('POST', `/api/v2/groups/${groupId}/captcha`, input);
  }

  async getCaptcha(groupId: number, userId: number): Promise<Challenge | null> {
    return this.orNull(this.call('GET', `/api/v2/groups/${groupId}/captcha/${userId}`));
  }

  /** The newcomer pressed the button; false when no challenge was pending. */
  async solveCaptcha(groupId: number, userId: number): Promise<boolean> {
    return (await this.call<{ solved: boolean }>('POST', `/api/v2/groups/${groupId}/captcha/${userId}/solve`)).solved;
  }

  /** Counts one member message for flood control; the penalty applied when it crossed the limit, else null. */
  /** Checks one group message against the group's keyword rules; the rule that fired and what it did, or null. */
  async checkMessage(groupId: number, message: T<typeof CheckMessageBody>): Promise<T<typeof RuleHit> | null> {
    return (await this.call<{ fired: T<typeof RuleHit> | null }>('POST', `/api/v2/groups/${groupId}/rules/check`, message)).fired;
  }

  async countMessage(groupId: number, userId: number, sentAt?: Date): Promise<ActionResult | null> {
    const body = { user_id: userId, ...(sentAt && { sent_at: sentAt.toISOString() }) };
    return (await this.call<{ penalty: ActionResult | null }>('POST', `/api/v2/groups/${groupId}/flood`, body)).penalty;
  }

  private async orNull<R>(request: Promise<R>): Promise<R | null> {
    try {
      return await request;
    } catch (err) {
      if (err instanceof TgbaseApiError && err.status === 404) return null;
      throw err;
    }
  }

  /** Sends one request and unwraps the `{success, data}` envelope; errors become TgbaseApiError. */
  private async call<R>(method: string, path: string, body?: unknown, query?: Query): Promise<R> {
    const res = await this.send(method, path, body, query);
    const text = await res.text();
    let parsed: { success?: boolean; data?: R; error?: string; code?: string; details?: unknown } | undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!res.ok || parsed?.success === false) {
      throw new TgbaseApiError(res.status, parsed?.code ?? 'HTTP_ERROR', parsed?.error ?? (text.slice(0, 200) || res.statusText), parsed?.details);
    }
    return parsed?.data as R;
  }

  private async send(method: string, path: string, body?: unknown, query?: Query): Promise<Response> {
    const url = new URL(this.baseUrl + path);
    for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value));
    try {
      return await fetch(url, {
        method,
        headers: { authorization: `Bearer ${this.options.apiKey}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const timedOut = (err as Error).name === 'TimeoutError';
      throw new TgbaseUnavailableError(timedOut ? `tgbase did not answer ${method} ${path} within ${this.timeoutMs} ms` : `tgbase unreachable: ${(err as Error).message}`, { cause: err });
    }
  }
}
