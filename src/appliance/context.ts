import type { Builder } from '../pipeline/builder.js';
import type { ExecConfig, UpdateConfig } from '../config.js';
import type { ContainerIndex } from '../engine/container-index.js';
import type { Engine } from '../engine/engine.js';
import type { Logger } from '../log.js';
import type { SandboxConfig } from '../sandbox-config.js';
import type { Tenancy } from '../tenancy/tenancy.js';
import type { WampSession } from '../wamp/wamp-session.js';

/** What every procedure handler works with. Nothing here is dockerode: the engine is the narrow interface. */
export interface ApplianceContext {
  readonly domain: string;
  readonly realm: string;
  /** The router as containers reach it (their WS_URL). */
  readonly containerRouterUrl: string;
  readonly engine: Engine;
  readonly index: ContainerIndex;
  readonly session: WampSession;
  readonly log: Logger;
  /** The secure environment, including the stop grace period (`stopTimeout`). */
  readonly sandbox: SandboxConfig;
  /** D/build's queue and pipeline (git URL → tagged image). */
  readonly builder: Builder;
  /** Who may see and manage what: callers mode, admin roles, quotas, and revoking a container's sessions. */
  readonly tenancy: Tenancy;
  /**
   * `D/<name>/exec` limits, with the line and answer bounds it shares with logs and every answer
   * (`logs.maxLineBytes`, `maxResultBytes`; their defaults when absent).
   */
  readonly exec: ExecConfig & { readonly maxLineBytes?: number; readonly maxResultBytes?: number };
  /** Replacing containers in updateImage and rollback. */
  readonly update: UpdateConfig;
  /** Replicas of one container: at most `max` (config maxReplicas); none beyond the first on a swarm (not yet). */
  readonly replicas: { readonly max: number; readonly swarm: boolean };
}
