import { BerthError } from '../errors.js';

/** At most `limit` builds run at once; the others wait in arrival order. A waiter leaves the line when its signal aborts. */
export class BuildSlots {
  private running = 0;
  private readonly waiting: { grant: () => void }[] = [];

  constructor(private readonly limit: number) {}

  /** Is a slot free right now (the build will not queue)? */
  hasFree(): boolean {
    return this.running < this.limit && this.waiting.length === 0;
  }

  /** Resolves with a release function once a slot is free; rejects with the signal's reason if aborted while waiting. */
  acquire(signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) return Promise.reject(reasonOf(signal));
    const release = once(() => {
      this.running--;
      this.waiting.shift()?.grant();
    });
    if (this.hasFree()) {
      this.running++;
      return Promise.resolve(release);
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        grant: () => {
          signal.removeEventListener('abort', onAbort);
          this.running++;
          resolve(release);
        },
      };
      const onAbort = () => {
        const i = this.waiting.indexOf(waiter);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(reasonOf(signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  get queued(): number {
    return this.waiting.length;
  }

  get active(): number {
    return this.running;
  }
}

function reasonOf(signal: AbortSignal): unknown {
  return signal.reason instanceof BerthError ? signal.reason : new BerthError('canceled', 'the build was canceled');
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (!done) {
      done = true;
      fn();
    }
  };
}
