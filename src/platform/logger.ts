import pino, { type Level, type Logger } from 'pino';
import type { LiveLogStream } from './live-logs.ts';

/** Paths never written to logs: tokens, keys and Mini App initData. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["x-telegram-init-data"]',
  'req.headers["x-telegram-bot-api-secret-token"]',
  'req.headers["sec-websocket-protocol"]',
  'token',
  '*.token',
  'initData',
  '*.initData',
];

/** Query parameters that may carry a credential (WebSocket clients cannot set headers). */
const SECRET_QUERY = /([?&](?:api_key|token)=)[^&]*/gi;

export interface LoggerOptions {
  /** Also write to this live stream, at `liveLevel`. */
  live?: LiveLogStream;
  liveLevel?: string;
}

export function createLogger(level: string, options: LoggerOptions = {}): Logger {
  const base = {
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: {
      req: (req: { method?: string; url?: string; ip?: string }) => ({
        method: req.method,
        url: req.url?.replace(SECRET_QUERY, '$1[redacted]'),
        remoteAddress: req.ip,
      }),
    },
  };
  const { live, liveLevel = 'info' } = options;
  if (!live || liveLevel === 'silent') return pino({ level, ...base });
  const streams: pino.StreamEntry[] = [{ level: liveLevel as Level, stream: live }];
  if (level !== 'silent') streams.push({ level: level as Level, stream: process.stdout });
  const lowest = level === 'silent' ? liveLevel : pino.levels.values[level] < pino.levels.values[liveLevel] ? level : liveLevel;
  return pino({ level: lowest, ...base }, pino.multistream(streams));
}
