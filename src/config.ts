import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';

/**
 * The one schema for the environment. Everything configurable is read here, once;
 * the rest of the code receives a typed `Config` and never touches `process.env`.
 */
const ConfigSchema = Type.Object({
  NODE_ENV: Type.String({ default: 'development' }),
  HOST: Type.String({ default: '0.0.0.0' }),
  PORT: Type.Integer({ default: 8002, minimum: 0, maximum: 65535 }),
  /** Comma-separated roles to run in this process: api, bot, worker. */
  ROLES: Type.String({ default: 'api,bot,worker', pattern: '^(api|bot|worker)(,(api|bot|worker))*$' }),
  LOG_LEVEL: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { default: 'info' }),
  /** PostgreSQL URL. Unset: embedded PGlite in DATA_DIR. */
  DATABASE_URL: Type.Optional(Type.String({ minLength: 1 })),
  DATABASE_POOL_MAX: Type.Integer({ default: 20, minimum: 1 }),
  /** Redis URL. Unset: in-process cache only. */
  REDIS_URL: Type.Optional(Type.String({ minLength: 1 })),
  /** Prefix for every Redis key and channel, so several deployments can share one Redis. */
  REDIS_PREFIX: Type.String({ default: 'tgbase:' }),
  DATA_DIR: Type.String({ default: './data' }),
  /** How often the job engine retries jobs whose worker died (heartbeat stale) or that ran out of time. */
  JOBS_SUPERVISE_SECONDS: Type.Integer({ default: 10, minimum: 1 }),
  /** Comma-separated allowed origins, or `*`. */
  CORS_ORIGINS: Type.String({ default: '*' }),
  /** Bootstrap API key with full access (seed 001's API_V2_KEY). */
  API_V2_KEY: Type.Optional(Type.String({ minLength: 16 })),
  /** 32-byte key (hex or base64) encrypting bot tokens at rest. Unset: a key file in DATA_DIR. */
  TOKEN_ENCRYPTION_KEY: Type.Optional(Type.String({ minLength: 32 })),
  TELEGRAM_API_ROOT: Type.String({ default: 'https://api.telegram.org' }),
  TELEGRAM_TIMEOUT_SECONDS: Type.Integer({ default: 10, minimum: 1 }),
  /** Longest retry_after (seconds) we wait inside one request before giving up. */
  TELEGRAM_MAX_RETRY_AFTER: Type.Integer({ default: 30, minimum: 0 }),
  /**
   * Longest time one Bot API call may take, retries and retry_after waits included (a long poll
   * gets its poll timeout on top): with Telegram unreachable, requests answer 502 within this.
   */
  TELEGRAM_DEADLINE_SECONDS: Type.Integer({ default: 12, minimum: 1 }),
  /** Attempts per Bot API call at most (no answer, 5xx, 429). */
  TELEGRAM_MAX_ATTEMPTS: Type.Integer({ default: 3, minimum: 1 }),
  CACHE_L1_MAX_ENTRIES: Type.Integer({ default: 50_000, minimum: 1 }),
  CACHE_GROUP_TTL_SECONDS: Type.Integer({ default: 3600, minimum: 1 }),
  CACHE_USER_TTL_SECONDS: Type.Integer({ default: 1800, minimum: 1 }),
  ACTION_LOG_RETENTION_DAYS: Type.Integer({ default: 30, minimum: 1 }),
  BODY_LIMIT_BYTES: Type.Integer({ default: 1_048_576, minimum: 1024 }),
  /** Secret signing the JWTs we issue (Mini App and admin logins). Unset: derived from the token encryption key. */
  JWT_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  JWT_TTL_SECONDS: Type.Integer({ default: 86_400, minimum: 60 }),
  /** Oldest Mini App initData / Login Widget `auth_date` accepted, in seconds (24 h is Telegram's convention). */
  INIT_DATA_MAX_AGE_SECONDS: Type.Integer({ default: 86_400, minimum: 1 }),
  /** Ed25519 public key (hex) for third-party initData `signature` checks; Telegram's production key by default. */
  TELEGRAM_INIT_DATA_PUBLIC_KEY: Type.String({ default: 'e7bf03a2fa4602af4580703d88dda5bb59f32ed8b02a56c187fe7d34caed242d', pattern: '^[0-9a-fA-F]{64}$' }),
  /** Stars exchange rate: STARS_PER_RATE_UNIT stars buy CREDITS_PER_RATE_UNIT credits (70 stars = 1000 credits). */
  STARS_PER_RATE_UNIT: Type.Integer({ default: 70, minimum: 1 }),
  CREDITS_PER_RATE_UNIT: Type.Integer({ default: 1000, minimum: 1 }),
  /** Comma-separated Stars packages offered to users. */
  STARS_PACKAGES: Type.String({ default: '70,140,350,700,1400,3500', pattern: '^\\d+(,\\d+)*$' }),
  /** IANA time zone analytics days are counted in unless a request names one. */
  ANALYTICS_TIME_ZONE: Type.String({ default: 'UTC' }),
  /** How the bot role receives updates: long polling, or a webhook at BOT_WEBHOOK_URL. */
  BOT_MODE: Type.Enum(['polling', 'webhook'], { default: 'polling' }),
  /** Public base URL Telegram posts updates to; `/telegram/<bot_id>` is appended. */
  BOT_WEBHOOK_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  /** Secret the per-bot `secret_token` is derived from; required in webhook mode. */
  BOT_WEBHOOK_SECRET: Type.Optional(Type.String({ minLength: 16 })),
  /** Throttle outgoing Bot API calls to Telegram's limits (30/s, 20/min per group, 1/s per chat). */
  BOT_THROTTLE: Type.Boolean({ default: true }),
  /** How long a chat's administrator list is trusted before asking Telegram again. */
  BOT_ADMIN_CACHE_SECONDS: Type.Integer({ default: 600, minimum: 1 }),
  /** Welcome messages are deleted after this long when the group enables auto_delete_welcome. */
  BOT_WELCOME_TTL_SECONDS: Type.Integer({ default: 60, minimum: 1 }),
  /** Mute length for a flood when neither a flood rule nor the warn settings give one. */
  BOT_FLOOD_PENALTY_SECONDS: Type.Integer({ default: 600, minimum: 30 }),
  /** How often the bot role looks for newly registered (or re-keyed) bots; a fallback, changes are announced at once. */
  BOT_REFRESH_SECONDS: Type.Integer({ default: 60, minimum: 1 }),
  /** Longest wait between attempts to start a bot Telegram refuses or cannot be reached for (backoff from 1 s). */
  BOT_START_RETRY_MAX_SECONDS: Type.Integer({ default: 300, minimum: 1 }),
  /**
   * Run the bot as a process of its own against a remote tgbase at this URL (with API_V2_KEY
   * and BOT_TOKENS; ROLES=bot). The remote tgbase must not run the bot role for the same bots.
   */
  TGBASE_API_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  /** Comma-separated tokens of the bots a remote bot process runs. */
  BOT_TOKENS: Type.Optional(Type.String({ pattern: '^\\d+:[A-Za-z0-9_-]+(,\\d+:[A-Za-z0-9_-]+)*$' })),
  /** How long a remote bot trusts a group and its settings before asking tgbase again. */
  BOT_REMOTE_CACHE_SECONDS: Type.Integer({ default: 10, minimum: 1 }),
  /** Bearer token Prometheus must present at `/metrics`. Unset: the endpoint is open. */
  METRICS_TOKEN: Type.Optional(Type.String({ minLength: 16 })),
  /** Lowest level streamed to `/api/ws/logs` subscribers. */
  LIVE_LOG_LEVEL: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { default: 'info' }),
  /** How often `/api/ws/logs` sends a status message. */
  LIVE_STATUS_INTERVAL_SECONDS: Type.Integer({ default: 5, minimum: 1 }),
  /** Where uploaded files are kept. Unset: DATA_DIR/files (a temporary folder for an in-memory DATA_DIR). */
  FILES_DIR: Type.Optional(Type.String({ minLength: 1 })),
  FILES_MAX_BYTES: Type.Integer({ default: 20 * 1024 * 1024, minimum: 1 }),
  /** Comma-separated content types accepted for upload; `type/*` allows a whole family. */
  FILES_ALLOWED_TYPES: Type.String({
    default: 'image/jpeg,image/png,image/gif,image/webp,video/mp4,audio/mpeg,audio/ogg,application/pdf,application/zip,application/json,text/plain,text/csv',
  }),
  /** Secret of the GitHub webhook; unset disables `/webhooks/github`. */
  GITHUB_WEBHOOK_SECRET: Type.Optional(Type.String({ minLength: 8 })),
  /** Where verified GitHub events are announced, if anywhere: a bot and a chat. */
  GITHUB_NOTIFY_BOT_ID: Type.Optional(Type.Integer()),
  GITHUB_NOTIFY_CHAT_ID: Type.Optional(Type.Integer()),
  WEBHOOK_TIMEOUT_SECONDS: Type.Integer({ default: 10, minimum: 1 }),
  /** Outbound webhook attempts before a delivery is marked failed. */
  WEBHOOK_MAX_ATTEMPTS: Type.Integer({ default: 6, minimum: 1, maximum: 20 }),
  /** First retry delay; later retries back off exponentially. */
  WEBHOOK_RETRY_DELAY_SECONDS: Type.Integer({ default: 10, minimum: 1 }),
  /** Requests per minute per API key, shared across instances through Redis when configured. */
  RATE_LIMIT_PER_MINUTE: Type.Integer({ default: 12_000, minimum: 1 }),
  ACCESS_LOG_RETENTION_DAYS: Type.Integer({ default: 30, minimum: 1 }),
  /** Where the built admin panel and Mini App live (web/dist). Unset: web/dist in the checkout. */
  WEB_DIST_DIR: Type.Optional(Type.String({ minLength: 1 })),
  /** Base URL `npm run admin-link` prints links under. Unset: http://localhost:PORT. */
  PUBLIC_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  /** How long a one-time admin login link stays valid. */
  ADMIN_LINK_TTL_SECONDS: Type.Integer({ default: 900, minimum: 30 }),
  /** WaveSpeed AI (image provider). Unset key: generations answer 503. */
  WAVESPEED_API_KEY: Type.Optional(Type.String({ minLength: 1 })),
  WAVESPEED_BASE_URL: Type.String({ default: 'https://api.wavespeed.ai' }),
  PROVIDER_TIMEOUT_SECONDS: Type.Number({ default: 30, minimum: 0.1 }),
  /** Provider balance (USD) kept in reserve: below it submissions pause with 503. */
  PROVIDER_MIN_BALANCE_USD: Type.Number({ default: 1, minimum: 0 }),
  PROVIDER_BALANCE_TTL_SECONDS: Type.Integer({ default: 60, minimum: 1 }),
  /** Credits per US dollar of provider cost (seed 004: seedream-v4 = $0.027 = 27 credits). */
  CREDITS_PER_USD: Type.Integer({ default: 1000, minimum: 1 }),
  GENERATION_DEADLINE_SECONDS: Type.Integer({ default: 600, minimum: 1 }),
  GENERATION_POLL_INITIAL_SECONDS: Type.Number({ default: 2, minimum: 0.1 }),
  GENERATION_POLL_MAX_SECONDS: Type.Number({ default: 15, minimum: 0.1 }),
  MODEL_CATALOG_TTL_SECONDS: Type.Integer({ default: 600, minimum: 1 }),
  /** Requests per minute per Mini App user (per bot) on the people and money routes, shared through Redis. */
  MINI_APP_RATE_LIMIT_PER_MINUTE: Type.Integer({ default: 300, minimum: 1 }),
  /** Seed 004: `POST /generations/price` at most this many times a minute per user. */
  PRICE_RATE_LIMIT_PER_MINUTE: Type.Integer({ default: 60, minimum: 1 }),
  MEDIA_UPLOAD_MAX_BYTES: Type.Integer({ default: 20_971_520, minimum: 1024 }),
  /** Broadcast messages per second per bot (Telegram allows about 30); 0 lifts the limit. */
  BROADCAST_RATE_PER_SECOND: Type.Number({ default: 30, minimum: 0 }),
  BROADCAST_BATCH_SIZE: Type.Integer({ default: 100, minimum: 1, maximum: 1000 }),
  /** Parallel sends when the rate is lifted. */
  BROADCAST_CONCURRENCY: Type.Integer({ default: 50, minimum: 1 }),
  /** Recipients claimed longer ago than this by a worker that died are written off (never re-sent). */
  BROADCAST_CLAIM_LEASE_SECONDS: Type.Integer({ default: 120, minimum: 1 }),
  /** One broadcast job sends for this long, then hands over to the next job (keeps jobs short-lived). */
  BROADCAST_SLICE_SECONDS: Type.Integer({ default: 60, minimum: 1 }),
  DAILY_REPORT_CRON: Type.String({ default: '0 9 * * *' }),
  DAILY_REPORT_TIME_ZONE: Type.String({ default: 'UTC' }),
  /** Comma-separated Telegram ids that get every bot's daily report, besides each bot's own admins. */
  DAILY_REPORT_ADMIN_IDS: Type.String({ default: '', pattern: '^(\\d+(,\\d+)*)?$' }),
});

export type Config = Static<typeof ConfigSchema>;
export type Role = 'api' | 'bot' | 'worker';

export class ConfigError extends Error {}

/**
 * Parses and validates the environment. Every problem is reported in one error,
 * so a misconfigured deployment is fixed in one go.
 *
 * @example
 * const config = loadConfig({ ...process.env, PORT: '0' });
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const known = Object.keys(ConfigSchema.properties);
  const input: Record<string, unknown> = {};
  for (const key of known) {
    const value = env[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  const parsed = Value.Convert(ConfigSchema, Value.Default(ConfigSchema, input));
  const errors = [...Value.Errors(ConfigSchema, parsed)];
  if (errors.length > 0) {
    const lines = errors.map((e) => `  ${e.instancePath.slice(1) || '(root)'}: ${e.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed as Config;
}

export function rolesOf(config: Config): Set<Role> {
  return new Set(config.ROLES.split(',') as Role[]);
}
