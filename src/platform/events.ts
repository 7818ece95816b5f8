import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { PLATFORM_EVENT_NAMES as EVENT_NAMES } from './event-names.ts';

/**
 * What the platform announces to whoever listens (outbound webhooks, the live stream, metrics).
 * Each event has an id, so a listener that stores or forwards it can be idempotent by that id.
 */
export interface PlatformEventMap {
  /** An enforcement action was applied (after its transaction committed) or refused by Telegram. */
  'enforcement.action': {
    group_id: number;
    bot_id: number | null;
    user_id: number | null;
    admin_id: number | null;
    action: string;
    result: 'success' | 'failed';
    source: string;
    reason: string | null;
    duration: number | null;
    expires_at: string | null;
    error: string | null;
  };
  /** A verified GitHub webhook delivery. */
  'github.event': {
    delivery_id: string;
    event: string;
    repository: string | null;
    ref: string | null;
    sender: string | null;
    summary: string;
  };
}

export type PlatformEventName = keyof PlatformEventMap;

export interface PlatformEvent<N extends PlatformEventName = PlatformEventName> {
  id: string;
  name: N;
  occurred_at: string;
  data: PlatformEventMap[N];
}

type Listener = (event: PlatformEvent) => void | Promise<void>;

/**
 * In-process event bus. Emitting never throws and never waits for listeners: a failing
 * listener (say, a webhook store that is down) must not fail the action that emitted.
 *
 * @example
 * events.emit('enforcement.action', { group_id: -100123, action: 'mute', ... });
 * events.onAny(async (event) => forward(event));
 */
export class PlatformEvents {
  private readonly emitter = new EventEmitter();
  /** Listener work still running; shutdown waits for it before closing the database. */
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly onListenerError: (err: unknown, event: PlatformEvent) => void) {
    this.emitter.setMaxListeners(100);
  }

  emit<N extends PlatformEventName>(name: N, data: PlatformEventMap[N]): PlatformEvent<N> {
    const event: PlatformEvent<N> = { id: randomUUID(), name, occurred_at: new Date().toISOString(), data };
    this.emitter.emit('event', event);
    return event;
  }

  /** Subscribes to every event; returns the unsubscribe function. */
  onAny(listener: Listener): () => void {
    const wrapped = (event: PlatformEvent) => {
      try {
        const result = listener(event);
        if (result instanceof Promise) {
          const tracked = result.catch((err) => this.onListenerError(err, event)).finally(() => this.pending.delete(tracked));
          this.pending.add(tracked);
        }
      } catch (err) {
        this.onListenerError(err, event);
      }
    };
    this.emitter.on('event', wrapped);
    return () => this.emitter.off('event', wrapped);
  }

  /** Waits for listener work in flight (graceful shutdown). */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }
}

/** Event names operators may subscribe outbound webhooks to (the list lives in event-names.ts for the panel). */
export const PLATFORM_EVENT_NAMES: PlatformEventName[] = [...EVENT_NAMES];
// Compile-time: every event in the map is listed for the panel, and nothing else is.
const listedEventsMatchMap: [PlatformEventName] extends [(typeof EVENT_NAMES)[number]] ? true : never = true;
void listedEventsMatchMap;
