import { Type } from 'typebox';
import { TelegramId, Timestamp } from '../../platform/http.ts';
import { ActionView } from '../audit/audit.schema.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const Stats = Type.Object({
  name: Type.String(),
  version: Type.String(),
  started_at: Timestamp,
  uptime_seconds: Type.Integer(),
  database: Type.Object({ kind: Type.String(), status: Type.String() }),
  cache: Type.Object({ l1_entries: Type.Integer(), l2: Type.String(), hit_rate: Type.Number() }),
  bots_total: Type.Integer(),
  bots: Type.Array(
    Type.Object({ bot_id: TelegramId, username: Nullable(Type.String()), title: Type.String(), status: Type.String(), has_token: Type.Boolean() }),
  ),
  groups_total: Type.Integer(),
  updates_handled: Type.Integer(),
  http_requests_served: Type.Integer(),
});

const LoopDelay = Type.Object({ min_ms: Type.Number(), mean_ms: Type.Number(), max_ms: Type.Number(), p50_ms: Type.Number(), p99_ms: Type.Number() });

export const SystemMetrics = Type.Object({
  process: Type.Object({
    pid: Type.Integer(),
    node_version: Type.String(),
    uptime_seconds: Type.Integer(),
    cpu_percent: Type.Number({ description: 'CPU time used over the last window, as a share of one core' }),
    memory: Type.Object({ rss_bytes: Type.Integer(), heap_used_bytes: Type.Integer(), heap_total_bytes: Type.Integer(), external_bytes: Type.Integer() }),
    event_loop_delay: LoopDelay,
    sampled_at: Timestamp,
    window_seconds: Type.Integer(),
  }),
  host: Type.Object({
    hostname: Type.String(),
    platform: Type.String(),
    cpus: Type.Integer(),
    load_average: Type.Array(Type.Number()),
    memory_total_bytes: Type.Integer(),
    memory_free_bytes: Type.Integer(),
    uptime_seconds: Type.Integer(),
  }),
});

const BotError = Type.Object({ bot_id: TelegramId, update_type: Type.String(), error: Type.String(), at: Timestamp });

export const BotMetrics = Type.Object({
  bots: Type.Array(
    Type.Object({
      bot_id: TelegramId,
      updates_total: Type.Integer(),
      errors_total: Type.Integer(),
      updates_per_second: Type.Number(),
      updates_last_minute: Type.Integer(),
      updates_last_5m: Type.Integer(),
      errors_last_5m: Type.Integer(),
      error_rate_5m: Type.Number(),
      response_time_ms: Type.Object({ avg: Type.Number(), p50: Type.Number(), p95: Type.Number(), p99: Type.Number(), max: Type.Number() }),
      updates_by_type: Type.Record(Type.String(), Type.Integer()),
      last_update_at: Nullable(Timestamp),
    }),
  ),
  recent_errors: Type.Array(BotError),
});

export const UserMetrics = Type.Object({
  bots: Type.Array(
    Type.Object({
      bot_id: TelegramId,
      active_last_5m: Type.Integer(),
      active_last_1h: Type.Integer(),
      active_last_24h: Type.Integer(),
      active_chats_last_24h: Type.Integer(),
    }),
  ),
});

export const ErrorMetrics = Type.Object({
  http: Type.Array(
    Type.Object({
      method: Type.String(),
      route: Type.String(),
      url: Type.String(),
      status: Type.Integer(),
      request_id: Type.String(),
      error: Nullable(Type.String()),
      at: Timestamp,
    }),
  ),
  failed_actions: Type.Array(ActionView),
  bot: Type.Array(BotError),
});

export const BotFilterQuery = Type.Object({ bot_id: Type.Optional(TelegramId) });
export const ErrorsQuery = Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }) });
