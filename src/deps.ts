import type { Logger } from 'pino';
import type { Config } from './config.ts';
import { openDatabase, type Database } from './db/client.ts';
import { Cache } from './platform/cache.ts';
import { Jobs } from './platform/jobs.ts';
import { openSharedState, type SharedState } from './platform/shared-state.ts';
import { DELETE_MESSAGE, VERIFY_BOT } from './modules/bots/bots.jobs.ts';
import { CAPTCHA_EXPIRE } from './modules/captcha/captcha.jobs.ts';
import { hkdfSync } from 'node:crypto';
import { PlatformEvents } from './platform/events.ts';
import { LiveLogStream } from './platform/live-logs.ts';
import { createMetricsRegistry } from './platform/metrics.ts';
import { SecretBox, resolveSecretKey } from './platform/secret-box.ts';
import { TelegramCalls, telegramOptions } from './platform/telegram.ts';
import { ApiKeysService } from './modules/api-keys/api-keys.service.ts';
import { AuditService } from './modules/audit/audit.service.ts';
import { BotsService } from './modules/bots/bots.service.ts';
import { EnforcementService } from './modules/enforcement/enforcement.service.ts';
import { GroupsService } from './modules/groups/groups.service.ts';
import { RolesService } from './modules/roles/roles.service.ts';
import { RulesService } from './modules/rules/rules.service.ts';
import { MessageRulesService } from './modules/rules/message-rules.service.ts';
import { AuthService } from './modules/auth/auth.service.ts';
import { LedgerService } from './modules/ledger/ledger.service.ts';
import { UsersService } from './modules/users/users.service.ts';
import { AdminLinkService } from './modules/admin-link/admin-link.service.ts';
import { AntifloodService } from './modules/antiflood/antiflood.service.ts';
import { CaptchaService } from './modules/captcha/captcha.service.ts';
import { MembersService } from './modules/members/members.service.ts';
import { NightModeService } from './modules/night-mode/night-mode.service.ts';
import { BotMetricsRecorder } from './modules/metrics/metrics.recorder.ts';
import { MetricsService } from './modules/metrics/metrics.service.ts';
import { VERSION } from './modules/system/system.routes.ts';
import { PluginsService } from './modules/plugins/plugins.service.ts';
import { IntegrationsService } from './modules/integrations/integrations.service.ts';
import { FilesService, resolveFilesDir } from './modules/files/files.service.ts';
import { WebhooksService } from './modules/webhooks/webhooks.service.ts';
import { DELIVER_WEBHOOK } from './modules/webhooks/webhooks.jobs.ts';
import { AccessLogService } from './modules/access-log/access-log.service.ts';
import { LiveService } from './modules/live/live.service.ts';
import type { Registry } from 'prom-client';
import { GenerationsService } from './modules/generations/generations.service.ts';
import { WaveSpeedProvider, type ImageProvider } from './modules/generations/generations.provider.ts';
import { GENERATION_POLL } from './modules/generations/generations.jobs.ts';
import { BroadcastsService } from './modules/broadcasts/broadcasts.service.ts';
import { BROADCAST_SEND } from './modules/broadcasts/broadcasts.jobs.ts';
import { PaymentsService } from './modules/payments/payments.service.ts';
import { PAYMENT_CONFIRM } from './modules/payments/payments.jobs.ts';
import { AnalyticsService } from './modules/analytics/analytics.service.ts';
import { DailyReportService } from './modules/analytics/daily-report.service.ts';
import { SettingsService } from './modules/settings/settings.service.ts';
import { SubscriptionsService } from './modules/subscriptions/subscriptions.service.ts';

export interface Services {
  apiKeys: ApiKeysService;
  bots: BotsService;
  audit: AuditService;
  groups: GroupsService;
  roles: RolesService;
  rules: RulesService;
  /** Keyword rules applied to group messages. */
  messageRules: MessageRulesService;
  enforcement: EnforcementService;
  auth: AuthService;
  users: UsersService;
  ledger: LedgerService;
  adminLinks: AdminLinkService;
  members: MembersService;
  captcha: CaptchaService;
  antiflood: AntifloodService;
  nightMode: NightModeService;
  /** The bot reports every handled update here (see metrics.bot.ts). */
  botMetrics: BotMetricsRecorder;
  metrics: MetricsService;
  generations: GenerationsService;
  broadcasts: BroadcastsService;
  payments: PaymentsService;
  plugins: PluginsService;
  integrations: IntegrationsService;
  files: FilesService;
  webhooks: WebhooksService;
  accessLog: AccessLogService;
  live: LiveService;
  subscriptions: SubscriptionsService;
  analytics: AnalyticsService;
  dailyReport: DailyReportService;
  settings: SettingsService;
}

/** Everything the adapters (HTTP, bot, worker) share, built once. */
export interface Deps {
  config: Config;
  logger: Logger;
  database: Database;
  cache: Cache;
  /** Update dedupe and flood counters, shared by every instance through Redis when configured. */
  shared: SharedState;
  jobs: Jobs;
  events: PlatformEvents;
  /** Log lines fanned out to live subscribers; fed by the logger built in main.ts. */
  liveLogs: LiveLogStream;
  metricsRegistry: Registry;
  /** Every Bot API call of this process: reachability per bot (/health), aborted all at once at shutdown. */
  telegram: TelegramCalls;
  services: Services;
  close(): Promise<void>;
}

export interface BuildDepsOptions {
  /** pg-boss schema; tests give each run its own. */
  jobsSchema?: string;
  /** The live stream the logger writes to (`createLogger(level, { live })`). */
  liveLogs?: LiveLogStream;
  /** Replaces the WaveSpeed client (tests give a fake that is not HTTP; HTTP fakes just set the base URL). */
  imageProvider?: ImageProvider;
  /** Who opens an embedded data folder (`server` by default; the CLIs name themselves). */
  owner?: string;
}

/**
 * The key every JWT we issue is signed with. Without its own secret it is derived from the token
 * encryption key: one secret to manage, distinct keys. Needs no database (the admin-link CLI).
 */
export function jwtSigningKey(config: Config, secretKey = resolveSecretKey(config.TOKEN_ENCRYPTION_KEY, config.DATA_DIR)): Uint8Array {
  return config.JWT_SECRET ? new TextEncoder().encode(config.JWT_SECRET) : new Uint8Array(hkdfSync('sha256', secretKey, '', 'tgbase-jwt', 32));
}

/** Opens the database (migrating it), the cache and the job engine, and wires the services. */
export async function buildDeps(config: Config, logger: Logger, options: BuildDepsOptions = {}): Promise<Deps> {
  const database = await openDatabase({
    url: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    poolMax: config.DATABASE_POOL_MAX,
    owner: options.owner,
    onIdleError: (err) => logger.warn({ err: err.message }, 'idle database connection lost'),
  });
  const cache = new Cache({ maxEntries: config.CACHE_L1_MAX_ENTRIES, redisUrl: config.REDIS_URL, prefix: config.REDIS_PREFIX }, logger);
  const shared = openSharedState({ redisUrl: config.REDIS_URL, prefix: config.REDIS_PREFIX }, logger);
  const jobs = await Jobs.open(database, logger, options.jobsSchema, config.JOBS_SUPERVISE_SECONDS);
  const { db } = database;
  const secretKey = resolveSecretKey(config.TOKEN_ENCRYPTION_KEY, config.DATA_DIR);
  const secrets = new SecretBox(secretKey);
  const telegramCalls = new TelegramCalls(logger.child({ module: 'telegram' }));
  const telegram = telegramOptions(config, telegramCalls);

  const events = new PlatformEvents((err, event) => logger.error({ err, event: event.name, event_id: event.id }, 'event listener failed'));
  const metricsRegistry = createMetricsRegistry();
  const botMetrics = new BotMetricsRecorder(metricsRegistry);

  const audit = new AuditService(db);
  // Module switches first: the services below ask them.
  const plugins = new PluginsService(db, cache);
  const bots = new BotsService(
    db,
    secrets,
    telegram,
    cache,
    {
      scheduleDeletion: async (payload, runAt) => void (await jobs.send(DELETE_MESSAGE, payload, { startAfter: runAt })),
      scheduleVerification: async (botId) => void (await jobs.send(VERIFY_BOT, { bot_id: botId })),
    },
    logger.child({ module: 'bots' }),
  );
  const groups = new GroupsService(db, cache, audit, config.CACHE_GROUP_TTL_SECONDS);
  const roles = new RolesService(db, cache, audit, config.CACHE_GROUP_TTL_SECONDS);
  const rules = new RulesService(db, cache, audit, config.CACHE_GROUP_TTL_SECONDS);
  const ledger = new LedgerService(db);
  const users = new UsersService(db, bots, ledger);
  const jwtKey = jwtSigningKey(config, secretKey);
  const auth = new AuthService(db, bots, users, {
    jwtKey,
    jwtTtlSeconds: config.JWT_TTL_SECONDS,
    maxAgeSeconds: config.INIT_DATA_MAX_AGE_SECONDS,
    initDataPublicKeyHex: config.TELEGRAM_INIT_DATA_PUBLIC_KEY,
  });
  const imageProvider =
    options.imageProvider ?? new WaveSpeedProvider({ apiKey: config.WAVESPEED_API_KEY, baseUrl: config.WAVESPEED_BASE_URL, timeoutSeconds: config.PROVIDER_TIMEOUT_SECONDS });
  const generations = new GenerationsService(
    db,
    cache,
    ledger,
    users,
    bots,
    imageProvider,
    {
      schedulePoll: async (generationId, delayMs) => {
        await jobs.send(GENERATION_POLL, { generation_id: generationId }, { singletonKey: generationId, ...(delayMs > 0 && { startAfter: new Date(Date.now() + delayMs) }) });
      },
    },
    {
      creditsPerUsd: config.CREDITS_PER_USD,
      minBalanceUsd: config.PROVIDER_MIN_BALANCE_USD,
      deadlineSeconds: config.GENERATION_DEADLINE_SECONDS,
      pollInitialSeconds: config.GENERATION_POLL_INITIAL_SECONDS,
      pollMaxSeconds: config.GENERATION_POLL_MAX_SECONDS,
      balanceTtlSeconds: config.PROVIDER_BALANCE_TTL_SECONDS,
      catalogTtlSeconds: config.MODEL_CATALOG_TTL_SECONDS,
    },
    logger.child({ module: 'generations' }),
  );
  const payments = new PaymentsService(
    db,
    bots,
    users,
    ledger,
    { starsPerUnit: config.STARS_PER_RATE_UNIT, creditsPerUnit: config.CREDITS_PER_RATE_UNIT, packages: config.STARS_PACKAGES.split(',').map(Number) },
    async (retry) => void (await jobs.send(PAYMENT_CONFIRM, retry)),
    plugins,
  );
  const enforcement = new EnforcementService(db, cache, groups, roles, rules, audit, bots, config.CACHE_USER_TTL_SECONDS, events, plugins);
  const metrics = new MetricsService(botMetrics, database, cache, bots, groups, audit, VERSION);
  const liveLogs = options.liveLogs ?? new LiveLogStream();
  const integrations = new IntegrationsService(bots, plugins);
  const webhooks = new WebhooksService(db, cache, secrets, integrations, events, {
    timeoutSeconds: config.WEBHOOK_TIMEOUT_SECONDS,
    maxAttempts: config.WEBHOOK_MAX_ATTEMPTS,
    github: { notifyBotId: config.GITHUB_NOTIFY_BOT_ID, notifyChatId: config.GITHUB_NOTIFY_CHAT_ID },
  });
  webhooks.connectQueue(async (deliveryId) => {
    await jobs.send(DELIVER_WEBHOOK, { delivery_id: deliveryId }, { singletonKey: `webhook-delivery:${deliveryId}` });
  });
  events.onAny((event) => webhooks.onPlatformEvent(event));
  const adminLinks = new AdminLinkService(db, auth, bots, { jwtKey, jwtTtlSeconds: config.JWT_TTL_SECONDS });
  const broadcasts = new BroadcastsService(
    db,
    bots,
    {
      continueLater: async (broadcastId, delayMs) => {
        await jobs.send(BROADCAST_SEND, { broadcast_id: broadcastId }, delayMs > 0 ? { startAfter: new Date(Date.now() + delayMs) } : {});
      },
    },
    {
      ratePerSecond: config.BROADCAST_RATE_PER_SECOND,
      batchSize: config.BROADCAST_BATCH_SIZE,
      concurrency: config.BROADCAST_CONCURRENCY,
      leaseSeconds: config.BROADCAST_CLAIM_LEASE_SECONDS,
      sliceSeconds: config.BROADCAST_SLICE_SECONDS,
      telegram,
      shared,
      switchedOn: (botId) => plugins.isEnabled(botId, 'broadcasts'),
    },
    logger.child({ module: 'broadcasts' }),
  );
  const analytics = new AnalyticsService(db, config.ANALYTICS_TIME_ZONE);
  const dailyReport = new DailyReportService(
    bots,
    analytics,
    { timeZone: config.DAILY_REPORT_TIME_ZONE, extraAdminIds: config.DAILY_REPORT_ADMIN_IDS.split(',').filter(Boolean).map(Number) },
    logger.child({ module: 'daily-report' }),
  );
  const services: Services = {
    apiKeys: new ApiKeysService(db, cache, config.API_V2_KEY, (token) => adminLinks.operatorPrincipal(token)),
    bots,
    audit,
    groups,
    roles,
    rules,
    messageRules: new MessageRulesService(rules, enforcement, logger.child({ module: 'rules' })),
    auth,
    users,
    ledger,
    adminLinks,
    enforcement,
    members: new MembersService(db),
    captcha: new CaptchaService(db, groups, enforcement, bots, async (groupId, userId, runAt) => {
      await jobs.send(CAPTCHA_EXPIRE, { group_id: groupId, user_id: userId }, { startAfter: runAt });
    }),
    antiflood: new AntifloodService(shared, groups, rules, enforcement, config.BOT_FLOOD_PENALTY_SECONDS),
    nightMode: new NightModeService(db, groups, enforcement, plugins),
    botMetrics,
    metrics,
    generations,
    broadcasts,
    payments,
    plugins,
    integrations,
    webhooks,
    accessLog: new AccessLogService(db, logger),
    live: new LiveService(liveLogs, events, metrics, config.LIVE_STATUS_INTERVAL_SECONDS),
    files: new FilesService(db, {
      dir: resolveFilesDir(config.FILES_DIR, config.DATA_DIR),
      maxBytes: config.FILES_MAX_BYTES,
      allowedTypes: config.FILES_ALLOWED_TYPES.split(',').map((t) => t.trim().toLowerCase()).filter(Boolean),
    }),
    subscriptions: new SubscriptionsService(db, users),
    analytics,
    dailyReport,
    settings: new SettingsService(db),
  };

  return {
    config,
    logger,
    database,
    cache,
    shared,
    jobs,
    events,
    liveLogs,
    metricsRegistry,
    telegram: telegramCalls,
    services,
    async close() {
      // Calls still waiting on Telegram fail now instead of holding the jobs and requests below.
      telegramCalls.abortAll();
      services.metrics.close();
      await events.drain();
      await services.accessLog.close();
      await jobs.close();
      await cache.close();
      await shared.close();
      await database.close();
    },
  };
}
