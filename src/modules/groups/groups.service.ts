import type { Db, Executor } from '../../db/client.ts';
import type { Cache } from '../../platform/cache.ts';
import { isUniqueViolation } from '../../db/rows.ts';
import { AppError, conflict, notFound } from '../../platform/errors.ts';
import { paginated } from '../../platform/http.ts';
import type { AuditService } from '../audit/audit.service.ts';
import { GroupsRepo, type GroupRow, type SettingsRow } from './groups.repo.ts';
import type { LoggingSettings, ModerationSettings, NightModeSchedule } from './groups.tables.ts';

export interface GroupView {
  group_id: number;
  bot_id: number | null;
  name: string;
  description: string | null;
  language: string;
  timezone: string;
  is_active: boolean;
  meta: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

export interface FeaturesEnabled {
  auto_delete_commands: boolean;
  auto_delete_welcome: boolean;
  night_mode: boolean;
  lockdown_enabled: boolean;
}

export interface SettingsView {
  group_id: number;
  group_name: string;
  features_enabled: FeaturesEnabled;
  welcome_message: string | null;
  goodbye_message: string | null;
  logging: LoggingSettings;
  moderation: ModerationSettings;
  night_mode_schedule: NightModeSchedule | null;
  custom_settings: Record<string, unknown>;
  lockdown_until: string | null;
  night_mode_until: string | null;
  updated_at: string;
}

export interface CreateGroupInput {
  group_id: number;
  name: string;
  description?: string | null;
  bot_id?: number | null;
  language?: string;
  timezone?: string;
  meta?: Record<string, unknown>;
}

export interface SettingsPatch {
  welcome_message?: string | null;
  goodbye_message?: string | null;
  features_enabled?: Partial<Pick<FeaturesEnabled, 'auto_delete_commands' | 'auto_delete_welcome'>>;
  logging?: Partial<LoggingSettings>;
  moderation?: Partial<ModerationSettings>;
  night_mode_schedule?: NightModeSchedule | null;
  /** Merged into the stored custom settings; a key set to null is removed. */
  custom_settings?: Record<string, unknown>;
}

/** A chat-wide state change (lockdown or night mode) written by enforcement. */
export interface ChatStatePatch {
  lockdown?: { on: boolean; until: Date | null };
  nightMode?: { on: boolean; until: Date | null };
  savedPermissions?: Record<string, boolean> | null;
}

export const DEFAULT_MODERATION: ModerationSettings = {
  warn_limit: 3,
  warn_action: 'mute',
  warn_action_duration: 3600,
  flood_messages: 5,
  flood_window_seconds: 5,
  flood_action: 'mute',
  captcha_enabled: false,
  captcha_timeout_seconds: 120,
};

const groupKey = (id: number) => `group:${id}`;
const settingsKey = (id: number) => `settings:${id}`;

/** Groups and their settings. Reads are cached (1 h by default); writes invalidate after commit. */
export class GroupsService {
  private readonly repo: GroupsRepo;

  constructor(
    private readonly db: Db,
    private readonly cache: Cache,
    private readonly audit: AuditService,
    private readonly ttlSeconds: number,
  ) {
    this.repo = new GroupsRepo(db);
  }

  async create(input: CreateGroupInput, actorId: number | null = null): Promise<GroupView> {
    const row = await this.db.transaction(async (tx) => {
      const created = await this.repo.insert(
        {
          groupId: input.group_id,
          botId: input.bot_id ?? null,
          name: input.name,
          description: input.description ?? null,
          language: input.language ?? 'en',
          timezone: input.timezone ?? 'UTC',
          meta: input.meta ?? {},
        },
        {
          groupId: input.group_id,
          logging: { enabled: true, log_channel_id: null },
          moderation: DEFAULT_MODERATION,
        },
        tx,
      );
      if (!created) throw conflict('GROUP_EXISTS', `Group ${input.group_id} already exists`);
      await this.audit.log({ group_id: input.group_id, admin_id: actorId, action: 'group_created', meta: { name: input.name } }, tx);
      return created;
    });
    await this.cache.invalidate(groupKey(row.groupId), settingsKey(row.groupId));
    return toGroupView(row);
  }

  /** Creates the group with default settings, or returns it when it exists already (two first sightings at once). */
  async register(input: CreateGroupInput): Promise<GroupView> {
    try {
      return await this.create(input);
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== 'GROUP_EXISTS') throw err;
      return this.get(input.group_id);
    }
  }

  /** The group, or 404. Cached. */
  async get(groupId: number): Promise<GroupView> {
    const group = await this.cache.getOrLoad(groupKey(groupId), this.ttlSeconds, async () => {
      const row = await this.repo.find(groupId);
      return row ? toGroupView(row) : null;
    });
    if (!group) throw notFound('group', groupId);
    return group;
  }

  async update(groupId: number, patch: Partial<Omit<CreateGroupInput, 'group_id'>> & { is_active?: boolean }, actorId: number | null = null): Promise<GroupView> {
    const row = await this.db.transaction(async (tx) => {
      const updated = await this.repo.update(
        groupId,
        {
          ...(patch.name !== undefined && { name: patch.name }),
          ...(patch.description !== undefined && { description: patch.description }),
          ...(patch.bot_id !== undefined && { botId: patch.bot_id }),
          ...(patch.language !== undefined && { language: patch.language }),
          ...(patch.timezone !== undefined && { timezone: patch.timezone }),
          ...(patch.is_active !== undefined && { isActive: patch.is_active }),
          ...(patch.meta !== undefined && { meta: patch.meta }),
        },
        tx,
      );
      if (!updated) throw notFound('group', groupId);
      await this.audit.log({ group_id: groupId, admin_id: actorId, action: 'group_updated', meta: { fields: Object.keys(patch) } }, tx);
      return updated;
    });
    await this.cache.invalidate(groupKey(groupId), settingsKey(groupId));
    return toGroupView(row);
  }

  async list(filter: { botIds?: number[]; groupIds?: number[]; isActive?: boolean }, page: number, limit: number) {
    const { items, total } = await this.repo.page(filter, limit, (page - 1) * limit);
    return paginated(items.map(toGroupView), total, page, limit);
  }

  /**
   * The group's settings in seed 001's shape. `night_mode` and `lockdown_enabled` reflect the
   * chat-wide states in force now: the cache entry lives no longer than the earliest expiry.
   */
  async getSettings(groupId: number): Promise<SettingsView> {
    const view = await this.cache.getOrLoad(
      settingsKey(groupId),
      (v: SettingsView | null) => (v ? secondsUntilNextExpiry(v, this.ttlSeconds) : this.ttlSeconds),
      async () => {
        const [group, settings] = await Promise.all([this.repo.find(groupId), this.repo.findSettings(groupId)]);
        return group && settings ? toSettingsView(group, settings) : null;
      },
    );
    if (!view) throw notFound('group', groupId);
    return withExpiryApplied(view);
  }

  async updateSettings(groupId: number, patch: SettingsPatch, actorId: number | null = null, tx?: Executor): Promise<void> {
    const write = async (t: Executor) => {
      const current = await this.repo.lockSettings(groupId, t);
      if (!current) throw notFound('group', groupId);
      let custom = current.customSettings;
      if (patch.custom_settings) {
        custom = { ...custom };
        for (const [key, value] of Object.entries(patch.custom_settings)) {
          if (value === null) delete custom[key];
          else custom[key] = value;
        }
      }
      await this.repo.updateSettings(
        groupId,
        {
          ...(patch.welcome_message !== undefined && { welcomeMessage: patch.welcome_message }),
          ...(patch.goodbye_message !== undefined && { goodbyeMessage: patch.goodbye_message }),
          ...(patch.features_enabled?.auto_delete_commands !== undefined && { autoDeleteCommands: patch.features_enabled.auto_delete_commands }),
          ...(patch.features_enabled?.auto_delete_welcome !== undefined && { autoDeleteWelcome: patch.features_enabled.auto_delete_welcome }),
          ...(patch.logging && { logging: { ...current.logging, ...patch.logging } }),
          ...(patch.moderation && { moderation: { ...current.moderation, ...patch.moderation } }),
          ...(patch.night_mode_schedule !== undefined && { nightModeSchedule: patch.night_mode_schedule }),
          customSettings: custom,
        },
        t,
      );
      await this.audit.log({ group_id: groupId, admin_id: actorId, action: 'settings_updated', meta: { changes: patch } }, t);
    };
    if (tx) await write(tx);
    else await this.db.transaction(write);
    if (!tx) await this.invalidate(groupId);
  }

  /** Locks and returns the chat-wide state; for enforcement, inside its transaction. */
  async lockChatState(groupId: number, tx: Executor): Promise<SettingsRow> {
    const row = await this.repo.lockSettings(groupId, tx);
    if (!row) throw notFound('group', groupId);
    return row;
  }

  async setChatState(groupId: number, patch: ChatStatePatch, tx: Executor): Promise<void> {
    await this.repo.updateSettings(
      groupId,
      {
        ...(patch.lockdown && { lockdown: patch.lockdown.on, lockdownUntil: patch.lockdown.until }),
        ...(patch.nightMode && { nightMode: patch.nightMode.on, nightModeUntil: patch.nightMode.until }),
        ...(patch.savedPermissions !== undefined && { savedPermissions: patch.savedPermissions }),
      },
      tx,
    );
  }

  /** Follows a group upgraded to a supergroup: every row keyed by the old chat id moves. */
  async migrateChatId(fromGroupId: number, toGroupId: number): Promise<GroupView> {
    const exists = () => conflict('GROUP_EXISTS', `Group ${toGroupId} already exists`);
    const row = await this.db
      .transaction(async (tx) => {
        if (await this.repo.find(toGroupId, tx)) throw exists();
        const moved = await this.repo.changeChatId(fromGroupId, toGroupId, tx);
        if (!moved) throw notFound('group', fromGroupId);
        await this.audit.moveGroup(fromGroupId, toGroupId, tx);
        await this.audit.log({ group_id: toGroupId, action: 'group_migrated', source: 'system', meta: { from_group_id: fromGroupId } }, tx);
        return moved;
      })
      .catch((err: unknown) => {
        // A concurrent migration into the same chat id committed between the check and the update.
        throw isUniqueViolation(err) ? exists() : err;
      });
    await this.invalidate(fromGroupId);
    await this.invalidate(toGroupId);
    return toGroupView(row);
  }

  /** The chat permissions saved before a lockdown or night mode, to restore afterwards. */
  async savedPermissions(groupId: number): Promise<Record<string, boolean> | null> {
    return (await this.repo.findSettings(groupId))?.savedPermissions ?? null;
  }

  /** Chat-wide states that ran out but are still marked on, for the expiry sweep. */
  async expiredChatStates(): Promise<{ groupId: number; kind: 'lockdown' | 'night_mode' }[]> {
    const now = Date.now();
    const rows = await this.repo.expiredChatStates();
    return rows.flatMap((r) => [
      ...(r.lockdown && r.lockdownUntil && r.lockdownUntil.getTime() <= now ? [{ groupId: r.groupId, kind: 'lockdown' as const }] : []),
      ...(r.nightMode && r.nightModeUntil && r.nightModeUntil.getTime() <= now ? [{ groupId: r.groupId, kind: 'night_mode' as const }] : []),
    ]);
  }

  /** Active groups with a night-mode schedule, for the scheduler. */
  async nightSchedules(): Promise<{ group_id: number; bot_id: number | null; timezone: string; schedule: NightModeSchedule }[]> {
    const rows = await this.repo.nightSchedules();
    return rows.filter((r) => r.schedule !== null).map((r) => ({ group_id: r.groupId, bot_id: r.botId, timezone: r.timezone, schedule: r.schedule! }));
  }

  async invalidate(groupId: number): Promise<void> {
    await this.cache.invalidate(groupKey(groupId), settingsKey(groupId));
  }
}

export function activeUntil(on: boolean, until: string | null, now = Date.now()): boolean {
  return on && (until === null || Date.parse(until) > now);
}

function withExpiryApplied(view: SettingsView): SettingsView {
  const now = Date.now();
  const lockdown = activeUntil(view.features_enabled.lockdown_enabled, view.lockdown_until, now);
  const night = activeUntil(view.features_enabled.night_mode, view.night_mode_until, now);
  if (lockdown === view.features_enabled.lockdown_enabled && night === view.features_enabled.night_mode) return view;
  return { ...view, features_enabled: { ...view.features_enabled, lockdown_enabled: lockdown, night_mode: night } };
}

function secondsUntilNextExpiry(view: SettingsView, ceiling: number): number {
  const untils = [view.lockdown_until, view.night_mode_until].filter((u): u is string => u !== null).map((u) => (Date.parse(u) - Date.now()) / 1000);
  const future = untils.filter((s) => s > 0);
  return Math.min(ceiling, ...future.map((s) => Math.ceil(s)));
}

export function toGroupView(row: GroupRow): GroupView {
  return {
    group_id: row.groupId,
    bot_id: row.botId,
    name: row.name,
    description: row.description,
    language: row.language,
    timezone: row.timezone,
    is_active: row.isActive,
    meta: row.meta,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

function toSettingsView(group: GroupRow, s: SettingsRow): SettingsView {
  return {
    group_id: group.groupId,
    group_name: group.name,
    features_enabled: {
      auto_delete_commands: s.autoDeleteCommands,
      auto_delete_welcome: s.autoDeleteWelcome,
      night_mode: s.nightMode,
      lockdown_enabled: s.lockdown,
    },
    welcome_message: s.welcomeMessage,
    goodbye_message: s.goodbyeMessage,
    logging: s.logging,
    moderation: { ...DEFAULT_MODERATION, ...s.moderation },
    night_mode_schedule: s.nightModeSchedule,
    custom_settings: s.customSettings,
    lockdown_until: s.lockdownUntil?.toISOString() ?? null,
    night_mode_until: s.nightModeUntil?.toISOString() ?? null,
    updated_at: s.updatedAt.toISOString(),
  };
}
