import { Type } from 'typebox';
import { TelegramId, Timestamp } from '../../platform/http.ts';

export const PluginState = Type.Object({
  name: Type.String(),
  description: Type.String(),
  default_enabled: Type.Boolean(),
  enabled: Type.Boolean(),
  updated_at: Type.Union([Timestamp, Type.Null()]),
});

/** Seed 003's `{total, plugins}`, for one bot. */
export const PluginList = Type.Object({ bot_id: TelegramId, total: Type.Integer(), plugins: Type.Array(PluginState) });

export const PluginsQuery = Type.Object({ bot_id: Type.Optional(TelegramId) });
export const PluginParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z][a-z0-9_]*$' }) });
export const ToggleBody = Type.Object(
  {
    bot_id: Type.Optional(TelegramId),
    /** Omitted: flip the current state. */
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export const ToggledPlugin = Type.Intersect([PluginState, Type.Object({ bot_id: TelegramId })]);
