import type { KeyedLock } from '../keyed-lock.js';
import type { ContainerEndpoints } from './container-endpoints.js';
import type { ApplianceContext } from './context.js';

/** What the container operations (create, remove, replace, recover) share beyond the appliance context. */
export interface OpsContext extends ApplianceContext {
  /** Per-container endpoints; the index's added/removed events are their only driver. */
  readonly endpoints: ContainerEndpoints;
  /** One operation per container name at a time (create, remove, start, stop, restart, replace). */
  readonly locks: KeyedLock;
  /** The domain's network, looked up or made once for concurrent callers. */
  readonly network: () => Promise<string>;
}
