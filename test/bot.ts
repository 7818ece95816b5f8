import type { Config } from '../src/config.ts';
import { BotRunner } from '../src/bot/runner.ts';
import { jobDefinitions } from '../src/jobs.ts';
import { buildTestApp, type TestApp } from './app.ts';
import { startTelegramEmulator, type Call, type TelegramEmulator } from './telegram-emulator.ts';

export const BOT_TOKEN = '7000001:TEST-bot-token_abcdefghij';
export const BOT_ID = 7000001;

export interface TestBot {
  t: TestApp;
  emu: TelegramEmulator;
  runner: BotRunner;
  /** Waits for a call made after `since` (default: any), failing after `timeoutMs`. */
  waitFor(method: string, predicate?: (c: Call) => boolean, options?: { since?: number; timeoutMs?: number }): Promise<Call>;
  close(): Promise<void>;
}

/**
 * The bot role as it runs in production (BotRunner, long polling, job workers on) against a
 * local Bot API emulator, over the test app's database. Outgoing throttling is off so tests run
 * at full speed.
 */
export async function startTestBot(env: Partial<Record<keyof Config, string>> = {}): Promise<TestBot> {
  const emu = await startTelegramEmulator();
  const t = await buildTestApp({ TELEGRAM_API_ROOT: emu.apiRoot, BOT_THROTTLE: 'false', ...env });
  await t.deps.services.bots.register({ token: BOT_TOKEN, title: 'Test bot' });
  await t.deps.jobs.register(jobDefinitions(t.deps), true);
  const runner = new BotRunner(t.deps, () => t.deps.services.bots.activeTokens());
  await runner.start();
  return {
    t,
    emu,
    runner,
    waitFor: (method, predicate, options = {}) => emu.waitForCall(method, predicate, { since: options.since ?? 0, timeoutMs: options.timeoutMs ?? 5000 }),
    async close() {
      await runner.stop();
      await t.close();
      await emu.close();
    },
  };
}
