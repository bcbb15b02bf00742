import type { ContainerIndex } from '../engine/container-index.js';
import type { ContainerRecord } from '../engine/engine.js';

/** The containers that exist now, as the embedded authenticator asks about them. */
export interface ContainerDirectory {
  /** Every replica of the name ([] for none). */
  getReplicas(name: string): ContainerRecord[];
  /** Resolves once the view is complete (the index has synced), or after a bounded wait; never rejects. */
  ready(): Promise<void>;
}

/**
 * The index as a directory. The router starts (and containers reconnect to it after a berth restart) before the index's
 * first sync: a container's ticket check waits for it, up to `waitMs`, instead of refusing a ticket that is valid.
 */
export function containerDirectory(index: ContainerIndex, waitMs: number): ContainerDirectory {
  return {
    getReplicas: (name) => index.getReplicas(name),
    ready: () =>
      index.isAvailable()
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            const done = () => {
              clearTimeout(timer);
              index.off('available', onAvailable);
              resolve();
            };
            const onAvailable = (up: boolean) => up && done();
            const timer = setTimeout(done, waitMs);
            timer.unref();
            index.on('available', onAvailable);
          }),
  };
}
