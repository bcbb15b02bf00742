/**
 * One operation per key at a time: `run(key, fn)` waits for every earlier operation on that key, then runs `fn`. Keys
 * with nothing queued hold no memory. Used so that concurrent create/remove/start/stop/replace of one container name
 * apply one after another (the second remove then finds nothing and answers not_found).
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** Keys with an operation running or queued (for tests and diagnostics). */
  get size(): number {
    return this.tails.size;
  }
}
