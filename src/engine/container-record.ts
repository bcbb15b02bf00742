/** A container as the engine describes it (inspect), in berth's terms. */
export interface ContainerRecord {
  readonly id: string;
  /** The engine's own name for it (without the leading "/"): `D.<name>`, or a replacement's temporary name. */
  readonly engineName: string;
  /** berth name (label berth.name). */
  readonly name: string;
  readonly domain: string;
  /** berth name of the image (label berth.image), or the engine's image reference when unlabelled. */
  readonly image: string;
  readonly imageId: string;
  readonly state: string;
  readonly created: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly exitCode: number | null;
  readonly restarting: boolean;
  readonly oomKilled: boolean;
  /** How often the engine restarted it by its restart policy (inspect's RestartCount); absent where the engine has no count (swarm). */
  readonly restartCount?: number;
  readonly health: string | null;
  /** The engine's last health probe (State.Health.Log), when the image has a health check and one has run. */
  readonly lastHealthCheck?: HealthProbe | null;
  readonly labels: Readonly<Record<string, string>>;
  readonly env: readonly string[];
  readonly cmd: readonly string[] | null;
  readonly entrypoint: readonly string[] | null;
  readonly workingDir: string;
  readonly user: string;
  readonly resources: ContainerResources;
  /** With engine: swarm, the container is a service: its current task, the node that runs it, its container. */
  readonly swarm?: SwarmPlacement;
}

export interface SwarmPlacement {
  /** The service's name on the swarm (`serviceName`: a DNS label; the container's engine name stays `D.<name>`). */
  readonly service: string;
  readonly task: string | null;
  /** The node's hostname (as `docker node ls` shows it). */
  readonly node: string | null;
  /** The task's container on that node, once it has one. */
  readonly container: string | null;
}

export interface ContainerResources {
  readonly memory: number | null;
  readonly memorySwap: number | null;
  readonly nanoCpus: number | null;
  readonly pidsLimit: number | null;
  readonly restartPolicy: string;
  readonly readonlyRootfs: boolean;
  readonly capDrop: readonly string[];
  readonly capAdd: readonly string[];
  readonly securityOpt: readonly string[];
  readonly privileged: boolean;
  readonly networkMode: string;
  readonly pidMode: string;
  readonly ipcMode: string;
  readonly tmpfs: Readonly<Record<string, string>>;
  readonly ulimits: readonly { name: string; soft: number; hard: number }[];
  readonly log: { readonly type: string; readonly config: Readonly<Record<string, string>> };
  /**
   * Every mount as `type:source:destination`; a named volume's source is its name (never the engine's host path).
   * berth adds only the named volumes of Run.yaml `Volumes`, never a bind mount.
   */
  readonly mounts: readonly string[];
}

/** A container as the engine's list gives it. */
export interface ContainerSummary {
  readonly id: string;
  readonly engineName: string;
  readonly state: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** One run of a container's health check. */
export interface HealthProbe {
  readonly exitCode: number;
  /** The probe's output as the engine keeps it (at most 4 KiB). */
  readonly output: string;
  readonly end: string;
}
