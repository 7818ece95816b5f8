import type { Db } from '../../db/client.ts';
import type { Cache } from '../../platform/cache.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import { PluginsRepo } from './plugins.repo.ts';

export interface PluginDefinition {
  name: string;
  description: string;
  default_enabled: boolean;
}

export interface PluginState extends PluginDefinition {
  enabled: boolean;
  updated_at: string | null;
}

/**
 * The modules a bot can switch on and off at run time (seed 003 calls them plugins). Modules
 * that want a switch `define` one at start-up; the bot and routes ask `isEnabled`.
 */
export const DEFAULT_PLUGINS = [
  { name: 'moderation', description: 'Mute, ban, kick, warn, restrict and their commands', default_enabled: true },
  { name: 'rules', description: 'Automatic penalties from warning counts, floods and keywords', default_enabled: true },
  { name: 'welcome', description: 'Welcome messages for new members', default_enabled: true },
  { name: 'night_mode', description: 'Scheduled night mode and lockdown', default_enabled: true },
  { name: 'payments', description: 'Telegram Stars payments and subscriptions', default_enabled: true },
  { name: 'generations', description: 'AI image generations', default_enabled: true },
  { name: 'broadcasts', description: 'Broadcast messages to the bot users', default_enabled: true },
  { name: 'referrals', description: 'Referral links and bonuses', default_enabled: true },
  { name: 'api_send', description: 'Sending messages through the bot from the operations API (/api/send)', default_enabled: true },
  { name: 'custom_webhooks', description: 'Custom inbound webhooks that act through the bot', default_enabled: true },
] as const satisfies readonly PluginDefinition[];

/** A module switch: what routes (`config: { module }`), composers (`whenEnabled`) and jobs name. */
export type PluginName = (typeof DEFAULT_PLUGINS)[number]['name'];

/**
 * The refusal of anything a switched-off module would do; the HTTP edge renders it as
 * 403 `MODULE_DISABLED` in the error envelope.
 */
export const moduleDisabled = (name: string, botId: number) =>
  new AppError('MODULE_DISABLED', { message: `The ${name} module is switched off for bot ${botId}`, status: 403, details: { module: name, bot_id: botId } });

const CACHE_SECONDS = 300;
const key = (botId: number) => `plugins:${botId}`;

export class PluginsService {
  private readonly repo: PluginsRepo;
  private readonly definitions = new Map<string, PluginDefinition>();

  constructor(
    db: Db,
    private readonly cache: Cache,
    definitions: readonly PluginDefinition[] = DEFAULT_PLUGINS,
  ) {
    this.repo = new PluginsRepo(db);
    for (const d of definitions) this.define(d);
  }

  /** Adds a plugin to the catalog (a module calls it once at start-up). */
  define(definition: PluginDefinition): void {
    this.definitions.set(definition.name, definition);
  }

  /**
   * Whether the plugin is on for the bot; cached, and invalidated on every instance when toggled.
   *
   * @example
   * if (!(await plugins.isEnabled(botId, 'welcome'))) return next();
   */
  async isEnabled(botId: number, name: string): Promise<boolean> {
    const definition = this.definitions.get(name);
    if (!definition) return false;
    const overrides = await this.overrides(botId);
    return overrides[name]?.enabled ?? definition.default_enabled;
  }

  /** Throws MODULE_DISABLED (403) when the plugin is off for the bot. */
  async assertEnabled(botId: number, name: PluginName): Promise<void> {
    if (!(await this.isEnabled(botId, name))) throw moduleDisabled(name, botId);
  }

  async list(botId: number): Promise<PluginState[]> {
    const overrides = await this.overrides(botId);
    return [...this.definitions.values()].map((d) => ({
      ...d,
      enabled: overrides[d.name]?.enabled ?? d.default_enabled,
      updated_at: overrides[d.name]?.updated_at ?? null,
    }));
  }

  /** Sets the plugin's state for the bot, or flips it when `enabled` is not given. */
  async toggle(botId: number, name: string, enabled?: boolean): Promise<PluginState> {
    const definition = this.definitions.get(name);
    if (!definition) throw notFound('plugin', name);
    const next = enabled ?? !(await this.isEnabled(botId, name));
    const row = await this.repo.set(botId, name, next);
    await this.cache.invalidate(key(botId));
    return { ...definition, enabled: row.enabled, updated_at: row.updatedAt.toISOString() };
  }

  private overrides(botId: number): Promise<Record<string, { enabled: boolean; updated_at: string }>> {
    return this.cache.getOrLoad(key(botId), CACHE_SECONDS, async () =>
      Object.fromEntries((await this.repo.forBot(botId)).map((r) => [r.name, { enabled: r.enabled, updated_at: r.updatedAt.toISOString() }])),
    );
  }
}
