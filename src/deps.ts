import type { Logger } from 'pino';
import type { Config } from './config.ts';
import { openDatabase, type Database } from './db/client.ts';
import { Cache } from './platform/cache.ts';
import { Jobs } from './platform/jobs.ts';
import { hkdfSync } from 'node:crypto';
import { SecretBox, resolveSecretKey } from './platform/secret-box.ts';
import { ApiKeysService } from './modules/api-keys/api-keys.service.ts';
import { AuditService } from './modules/audit/audit.service.ts';
import { BotsService } from './modules/bots/bots.service.ts';
import { EnforcementService } from './modules/enforcement/enforcement.service.ts';
import { GroupsService } from './modules/groups/groups.service.ts';
import { RolesService } from './modules/roles/roles.service.ts';
import { RulesService } from './modules/rules/rules.service.ts';
import { AuthService } from './modules/auth/auth.service.ts';
import { LedgerService } from './modules/ledger/ledger.service.ts';
import { UsersService } from './modules/users/users.service.ts';
import { GenerationsService } from './modules/generations/generations.service.ts';
import { WaveSpeedProvider, type ImageProvider } from './modules/generations/generations.provider.ts';
import { GENERATION_POLL } from './modules/generations/generations.jobs.ts';
import { BroadcastsService } from './modules/broadcasts/broadcasts.service.ts';
import { BROADCAST_SEND } from './modules/broadcasts/broadcasts.jobs.ts';
import { PaymentsService } from './modules/payments/payments.service.ts';

export interface Services {
  apiKeys: ApiKeysService;
  bots: BotsService;
  audit: AuditService;
  groups: GroupsService;
  roles: RolesService;
  rules: RulesService;
  enforcement: EnforcementService;
  auth: AuthService;
  users: UsersService;
  ledger: LedgerService;
  generations: GenerationsService;
  broadcasts: BroadcastsService;
  payments: PaymentsService;
}

/** Everything the adapters (HTTP, bot, worker) share, built once. */
export interface Deps {
  config: Config;
  logger: Logger;
  database: Database;
  cache: Cache;
  jobs: Jobs;
  services: Services;
  close(): Promise<void>;
}

export interface BuildDepsOptions {
  /** pg-boss schema; tests give each run its own. */
  jobsSchema?: string;
  /** Replaces the WaveSpeed client (tests give a fake that is not HTTP; HTTP fakes just set the base URL). */
  imageProvider?: ImageProvider;
}

/** Opens the database (migrating it), the cache and the job engine, and wires the services. */
export async function buildDeps(config: Config, logger: Logger, options: BuildDepsOptions = {}): Promise<Deps> {
  const database = await openDatabase({
    url: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    poolMax: config.DATABASE_POOL_MAX,
    onIdleError: (err) => logger.warn({ err: err.message }, 'idle database connection lost'),
  });
  const cache = new Cache({ maxEntries: config.CACHE_L1_MAX_ENTRIES, redisUrl: config.REDIS_URL, prefix: config.REDIS_PREFIX }, logger);
  const jobs = await Jobs.open(database, logger, options.jobsSchema);
  const { db } = database;
  const secretKey = resolveSecretKey(config.TOKEN_ENCRYPTION_KEY, config.DATA_DIR);
  const secrets = new SecretBox(secretKey);
  const telegram = {
    apiRoot: config.TELEGRAM_API_ROOT,
    timeoutSeconds: config.TELEGRAM_TIMEOUT_SECONDS,
    maxRetryAfterSeconds: config.TELEGRAM_MAX_RETRY_AFTER,
  };

  const audit = new AuditService(db);
  const bots = new BotsService(db, secrets, telegram);
  const groups = new GroupsService(db, cache, audit, config.CACHE_GROUP_TTL_SECONDS);
  const roles = new RolesService(db, cache, audit, config.CACHE_GROUP_TTL_SECONDS);
  const rules = new RulesService(db, cache, audit, config.CACHE_GROUP_TTL_SECONDS);
  const ledger = new LedgerService(db);
  const users = new UsersService(db, bots, ledger);
  const auth = new AuthService(db, bots, users, {
    // Without its own secret, the JWT key is derived from the token key: one secret to manage, distinct keys.
    jwtKey: config.JWT_SECRET ? new TextEncoder().encode(config.JWT_SECRET) : new Uint8Array(hkdfSync('sha256', secretKey, '', 'tgbase-jwt', 32)),
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
  );
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
    },
    logger.child({ module: 'broadcasts' }),
  );
  const services: Services = {
    apiKeys: new ApiKeysService(db, cache, config.API_V2_KEY),
    bots,
    audit,
    groups,
    roles,
    rules,
    enforcement: new EnforcementService(db, cache, groups, roles, rules, audit, bots, config.CACHE_USER_TTL_SECONDS),
    auth,
    users,
    ledger,
    generations,
    broadcasts,
    payments,
  };

  return {
    config,
    logger,
    database,
    cache,
    jobs,
    services,
    async close() {
      await jobs.close();
      await broadcasts.stop();
      await cache.close();
      await database.close();
    },
  };
}
