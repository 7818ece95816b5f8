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
 * Telegram counts a message when it arrives, we count it when it starts: the window is stretched
 * by this much, so that a send a little slower on its way than the one 30 sends before it does not
 * put a 31st message into one of Telegram's seconds. Costs 2% of the rate.
 */
const ARRIVAL_MARGIN = 0.02;
/**
 * Sends start at least this share of the even spacing apart: no bursts of 30 at once, yet the
 * window, not the gap, sets the pace (a gap near the spacing would add every late timer to it).
 */
const MIN_GAP_SHARE = 0.5;
/**
 * Sends of this process that may do their database work while earlier ones wait for slots; more
 * would leave more recipients in doubt after a crash.
 */
const LOOKAHEAD = 4;

/**
 * Paces a bot's sends to `ratePerSecond` across every process sharing `shared` (Redis): at most
 * ⌊rate⌋ sends start in any window of ⌊rate⌋/rate seconds (30 in any second at 30/s). Slots come
 * from a sliding window checked when the send starts, not from spacing sends 1000/rate ms apart,
 * which whole milliseconds cannot hit and late timers would break. Within a process one send asks
 * for a slot at a time; the rest queue here, not in Redis.
 */
export function ratePacer(shared: SharedState, key: string, ratePerSecond: number): Pacer {
  const max = Math.max(1, Math.floor(ratePerSecond));
  const windowMs = ((max * 1000) / ratePerSecond) * (1 + ARRIVAL_MARGIN);
  const minGapMs = (windowMs / max) * MIN_GAP_SHARE;
  const take = async (): Promise<void> => {
    for (;;) {
      const wait = await shared.takeSlot(key, max, windowMs, minGapMs);
      if (wait === 0) return;
      await new Promise((r) => setTimeout(r, wait));
    }
  };
  let queue: Promise<void> = Promise.resolve();
  const nextSlot = (): Promise<void> => {
    const mine = queue.then(take);
    queue = mine.catch(() => undefined);
    return mine;
  };
  const ahead = pLimit(LOOKAHEAD);
  return <T>(job: SendJob<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      void ahead(
        () =>
          new Promise<void>((free) => {
            // The next send may start its database work once this one has its slot.
            const slot = async (): Promise<void> => {
              try {
                await nextSlot();
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
