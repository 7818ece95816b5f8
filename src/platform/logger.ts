import pino, { type Logger } from 'pino';

/** Paths never written to logs: tokens, keys and Mini App initData. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-telegram-init-data"]',
  'req.headers["x-telegram-bot-api-secret-token"]',
  'token',
  '*.token',
  'initData',
  '*.initData',
];

export function createLogger(level: string): Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } });
}
