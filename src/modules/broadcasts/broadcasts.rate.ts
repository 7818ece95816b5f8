import pLimit from 'p-limit';
import type { SharedState } from '../../platform/shared-state.ts';

/**
 * One send: `slot` resolves when the bot's rate lets it start. Await it right before the Bot API
 * call (after any database work), and again before a retry: every attempt takes a slot.
 */
export type SendJob<T> = (slot: () => Promise<void>) => Promise<T>;
/** Runs sends under a bot's rate; every broadcast of the bot in this process shares one. */
export type Pacer = <T>(job: SendJob<T>) => Promise<T>;

/**
 * Telegram counts a message when it arrives, we count it when it starts: starts are spaced this
 * much wider than 1000/rate, so that a send up to ~25 ms slower on its way than the one 30 sends
 * before it does not put a 31st message into one of Telegram's seconds. Costs 2.5% of the rate.
 */
const ARRIVAL_MARGIN = 0.025;
/**
 * Sends of this process that may hold a reserved start at once (and do their database work while
 * earlier ones wait for theirs); more would leave more recipients in doubt after a crash, and
 * more reserved starts unused after a cancel.
 */
const LOOKAHEAD = 4;

/**
 * Paces a bot's sends to `ratePerSecond` across every process sharing `shared` (Redis). Two
 * steps per send, both on Redis's clock:
 * 1. the pace: each send reserves the next start, 1000/rate ms (plus the margin) after the
 *    previous one, and waits for it. Reserving, not retrying a full window, keeps the rate
 *    sustained (no time lost between a slot freeing and a poller noticing) and never bursts;
 * 2. the cap: a sliding window lets at most ⌊rate⌋ sends start in any second plus the margin
 *    (the span the pace gives ⌊rate⌋ + 1 starts), so sends whose timers fired late (a busy event
 *    loop) cannot bunch into one second.
 */
export function ratePacer(shared: SharedState, key: string, ratePerSecond: number): Pacer {
  const intervalMs = (1000 / ratePerSecond) * (1 + ARRIVAL_MARGIN);
  const max = Math.max(1, Math.floor(ratePerSecond));
  const windowMs = ((max * 1000) / ratePerSecond) * (1 + ARRIVAL_MARGIN);
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const ahead = pLimit(LOOKAHEAD);
  return <T>(job: SendJob<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      void ahead(
        () =>
          new Promise<void>((free) => {
            // The next send may reserve its start once this one's start has come.
            const slot = async (): Promise<void> => {
              try {
                const wait = await shared.reserveSlot(`${key}:pace`, intervalMs);
                if (wait > 0) await sleep(wait);
                for (let full; (full = await shared.takeSlot(`${key}:cap`, max, windowMs)) > 0; ) await sleep(full);
              } finally {
                free();
              }
            };
            job(slot).then(resolve, reject).finally(free);
          }),
      );
    });
}

/** With the rate lifted: only the number of sends in flight is bounded. */
export function concurrencyPacer(concurrency: number): Pacer {
  const pool = pLimit(concurrency);
  const now = async (): Promise<void> => undefined;
  return (job) => pool(() => job(now));
}
