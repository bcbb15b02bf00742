import type { KeyedLock } from '../keyed-lock.js';
import type { Callers } from '../tenancy/callers.js';
import type { OwnerReservations } from '../tenancy/owner-reservations.js';
import type { EventsTopic } from './events-topic.js';
import type { ApplianceContext } from './context.js';
import type { RunningBuilds } from './running-builds.js';
import type { VolumeQuota } from './volume-quota.js';

/** What the operations (create, remove, replace, recover, build) share beyond the appliance context. */
export interface OpsContext extends ApplianceContext {
  /** One operation per container name at a time (create, remove, start, stop, restart, replace). */
  readonly locks: KeyedLock;
  /** The domain's network, looked up or made once for concurrent callers. */
  readonly network: () => Promise<string>;
  /** Who calls, and what they may see and manage. */
  readonly callers: Callers;
  /** Builds in progress: their owners (the build topic, cancelBuild) and the builds quota. */
  readonly builds: RunningBuilds;
  /** Container places held by creates in flight (the containers quota). */
  readonly creating: OwnerReservations;
  /** Replica places (beyond each container's first) held by creates and scales in flight (quotas.replicas), as `name#i`. */
  readonly replicaHolds: OwnerReservations;
  /** `D/events`. */
  readonly events: EventsTopic;
  /** Whether the engine holds volumes to sandbox.volumeSize (probed once). */
  readonly volumeQuota: VolumeQuota;
}
