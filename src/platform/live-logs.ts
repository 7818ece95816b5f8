/** One structured log line as pino wrote it. */
export interface LogRecord {
  level: number;
  time: number;
  msg?: string;
  [field: string]: unknown;
}

type Subscriber = (record: LogRecord) => void;

/**
 * A pino destination that fans log lines out to live subscribers (the `/api/ws/logs` stream).
 * Lines are parsed only while someone listens, so an idle stream costs one function call.
 */
export class LiveLogStream {
  private readonly subscribers = new Set<Subscriber>();

  /** pino's destination interface. */
  write(line: string): void {
    if (this.subscribers.size === 0) return;
    let record: LogRecord;
    try {
      record = JSON.parse(line) as LogRecord;
    } catch {
      return;
    }
    for (const subscriber of this.subscribers) {
      try {
        subscriber(record);
      } catch {
        // A broken subscriber must not take logging down with it.
      }
    }
  }

  subscribe(subscriber: Subscriber): () => void {
    this.subscribers.add(subscriber);
    return () => this.subscribers.delete(subscriber);
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }
}
