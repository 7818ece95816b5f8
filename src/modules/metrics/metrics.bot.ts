import type { Context, MiddlewareFn } from 'grammy';
import type { BotMetricsRecorder } from './metrics.recorder.ts';

/**
 * grammY middleware that times each update and reports it to the recorder; install it first so
 * the time covers every later handler. Errors are recorded and passed on to the error boundary.
 *
 * @example
 * bot.use(updateMetrics(deps.services.botMetrics));
 */
export function updateMetrics(recorder: BotMetricsRecorder): MiddlewareFn<Context> {
  return async (ctx, next) => {
    const started = performance.now();
    const updateType = Object.keys(ctx.update).find((k) => k !== 'update_id') ?? 'unknown';
    let error: string | null = null;
    try {
      await next();
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
      throw err;
    } finally {
      recorder.record({
        botId: ctx.me.id,
        updateType,
        durationMs: performance.now() - started,
        userId: ctx.from?.id ?? null,
        chatId: ctx.chat?.id ?? null,
        error,
      });
    }
  };
}
