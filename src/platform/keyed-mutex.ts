/**
 * Serializes async work per key inside this process, e.g. every change to one user's state in
 * one group, so that a Telegram call and the database write it belongs to are never interleaved
 * with another change to the same state.
 *
 * @example
 * await mutex.run(`${groupId}:${userId}`, () => applyMute());
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const current = previous.catch(() => undefined).then(work);
    this.tails.set(key, current);
    try {
      return await current;
    } finally {
      if (this.tails.get(key) === current) this.tails.delete(key);
    }
  }
}
