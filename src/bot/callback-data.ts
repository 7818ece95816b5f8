import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import { TelegramId } from '../platform/http.ts';

/** Per-user actions the admin panel offers. A toggle's button carries the state it switches to. */
export const PANEL_ACTIONS = ['mute', 'unmute', 'ban', 'unban', 'restrict', 'unrestrict', 'kick', 'warn', 'unwarn'] as const;
export const GROUP_FEATURES = ['auto_delete_commands', 'auto_delete_welcome', 'night_mode', 'lockdown_enabled', 'captcha'] as const;
export type GroupFeature = (typeof GROUP_FEATURES)[number];

/**
 * Callback data is JSON with short keys (Telegram allows 64 bytes), checked against this schema:
 * `u` a user action from the admin panel, `g` a group feature switch, `c` a captcha answer.
 */
export const CallbackData = Type.Union([
  Type.Object({ k: Type.Literal('u'), a: Type.Enum([...PANEL_ACTIONS]), u: TelegramId }, { additionalProperties: false }),
  Type.Object({ k: Type.Literal('g'), f: Type.Enum([...GROUP_FEATURES]), on: Type.Boolean() }, { additionalProperties: false }),
  Type.Object({ k: Type.Literal('c'), u: TelegramId }, { additionalProperties: false }),
]);
export type CallbackData = Static<typeof CallbackData>;

const MAX_BYTES = 64;

export function encodeCallback(data: CallbackData): string {
  const encoded = JSON.stringify(data);
  if (Buffer.byteLength(encoded) > MAX_BYTES) throw new Error(`Callback data over ${MAX_BYTES} bytes: ${encoded}`);
  return encoded;
}

/** The parsed data, or null for anything that does not match the schema (old or forged buttons). */
export function parseCallback(raw: string | undefined): CallbackData | null {
  if (!raw) return null;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  return Value.Check(CallbackData, value) ? (value as CallbackData) : null;
}
