import { Composer, type Middleware } from 'grammy';
import type { BotContext } from '../../bot/context.ts';
import type { PluginName } from './plugins.service.ts';

/**
 * Runs `middleware` only while the module is on for the update's bot; while it is off the update
 * goes past untouched (or to `otherwise`), so later composers still see it. The switch is read on
 * every update from the cache that a toggle invalidates on every instance: no restart needed.
 *
 * @example
 * guarded.use(whenEnabled('moderation', enforcementComposer));
 */
export function whenEnabled(name: PluginName, middleware: Middleware<BotContext>, otherwise?: Middleware<BotContext>): Composer<BotContext> {
  const enabled = (ctx: BotContext) => ctx.services.plugins.isEnabled(ctx.botId, name);
  return new Composer<BotContext>().branch(enabled, middleware, otherwise ?? ((_ctx, next) => next()));
}
