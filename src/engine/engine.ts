/** The narrow interface the rest of berth uses to reach the Docker engine, one part per resource. Only the Docker* adapters in this folder implement it. */
import type { LogLine } from './log-lines.js';

export type { LogLine } from './log-lines.js';

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
  /** With engine: swarm (issue 13), the container is a service: its current task, the node that runs it, its container. */
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

export interface ImageRecord {
  readonly id: string;
  readonly name: string;
  readonly created: string;
  readonly size: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly tags: readonly string[];
  /** The image's RepoDigests (`<repository>@sha256:…`): each a push the engine made of it (issue 13). */
  readonly digests?: readonly string[];
  /** The image's default environment (KEY=value); only fetchImage fills it in. */
  readonly env?: readonly string[];
  /** The image's health check (Config.Healthcheck, engine defaults applied), null when it has none; only fetchImage fills it in. */
  readonly healthcheck?: ImageHealthcheck | null;
}

/** An image's HEALTHCHECK as the engine runs it; durations in milliseconds. */
export interface ImageHealthcheck {
  readonly test: readonly string[];
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly startPeriodMs: number;
}

/** One run of a container's health check. */
export interface HealthProbe {
  readonly exitCode: number;
  /** The probe's output as the engine keeps it (at most 4 KiB). */
  readonly output: string;
  readonly end: string;
}

export interface ContainerSpec {
  readonly engineName: string;
  readonly imageId: string;
  readonly env: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  readonly extraHosts: readonly string[];
  readonly network: string;
  readonly sandbox: SandboxSpec;
  /** Named volumes (Run.yaml `Volumes`), mounted read-write; the adapter mounts them as type volume, never a host path. */
  readonly volumes: readonly VolumeMount[];
}

/** A named volume mounted into a container at `path` (an absolute path inside it). */
export interface VolumeMount {
  readonly name: string;
  readonly path: string;
}

/** What a container may use and do; the adapter adds what is never negotiable (no privileges, no host namespaces). */
export interface SandboxSpec {
  readonly user: string;
  readonly memory: number;
  readonly nanoCpus: number;
  readonly pids: number;
  readonly nofile: number;
  readonly readOnlyRootfs: boolean;
  readonly tmpfsSize: number;
  readonly capAdd: readonly string[];
  readonly noNewPrivileges: boolean;
  readonly restartPolicy: string;
  readonly logMaxSize: number;
  readonly logMaxFiles: number;
}

export interface ContainerUsage {
  readonly cpuPercent: number;
  readonly memoryUsage: number;
  readonly memoryLimit: number;
  readonly pids: number;
}

export interface ProcessTable {
  readonly titles: readonly string[];
  readonly processes: readonly (readonly string[])[];
}

export interface EngineEvent {
  readonly id: string;
  readonly action: string;
  /** When the engine says it happened (ISO 8601), if it says. */
  readonly time?: string;
}

export interface EventSubscription {
  close(): void;
}

/** A followed log stream (`followLogs`). */
export interface LogStream {
  /** Stop following; safe to call twice. */
  close(): void;
  /** Settles once the stream is over: the container stopped, the engine failed (with the error), or `close()`. */
  readonly ended: Promise<Error | undefined>;
}

/** Containers: create, run, stop, inspect, remove. */
export interface ContainerClient {
  /** IDs of every container (any state) labelled with this domain. */
  fetchContainerIds(domain: string): Promise<string[]>;
  /** The same containers as one list answer gives them (no inspect each): enough to tell their state and names. */
  fetchContainerSummaries(domain: string): Promise<ContainerSummary[]>;
  /** Full record, or undefined when the engine no longer has it. */
  fetchContainer(idOrName: string): Promise<ContainerRecord | undefined>;
  createContainer(spec: ContainerSpec): Promise<string>;
  startContainer(id: string): Promise<void>;
  /** Idempotent: stopping a stopped container succeeds. */
  stopContainer(id: string, timeoutSeconds: number): Promise<void>;
  restartContainer(id: string, timeoutSeconds: number): Promise<void>;
  /**
   * Only an engine that replaces in place (swarm, issue 13: a service cannot be renamed): move the container to `spec`
   * (its new image, environment, labels) by the engine's own rolling update. The new task starts before the old one
   * stops and must then run `monitorMs` (healthy, when the image has a health check); otherwise the engine rolls the
   * container back to what it was, and this rejects with `replacement_failed` saying why.
   */
  updateContainer?(id: string, spec: ContainerSpec, monitorMs: number): Promise<void>;
  /** Give a container another engine name (a replacement takes the name of the container it replaced). */
  renameContainer(id: string, engineName: string): Promise<void>;
  /** Idempotent: removing a container that is already gone succeeds. */
  removeContainer(id: string): Promise<void>;
  fetchLogs(id: string, tail: number): Promise<string>;
  /**
   * Follow a container's output from `sinceSeconds` (a UNIX time; whole seconds, as the engine takes it) as lines, each
   * cut at `maxLineBytes`. The engine ends the stream when the container stops; `ended` settles then (or on an error),
   * and at `close()`.
   */
  followLogs(id: string, options: { sinceSeconds: number; maxLineBytes: number }, onLine: (line: LogLine) => void): Promise<LogStream>;
  fetchUsage(id: string): Promise<ContainerUsage>;
  /** Processes of a running container; empty when it is not running. */
  fetchProcesses(id: string): Promise<ProcessTable>;
  /** IDs of every container (any state, any owner) created from this image. */
  fetchContainersUsingImage(imageId: string): Promise<string[]>;
}

/** What `startExec` runs: one argument per string, never through a shell. */
export interface ExecSpec {
  readonly command: readonly string[];
  /** The container's configured user (empty: the image's). */
  readonly user: string;
  /** A longer output line is cut (as `followLogs`). */
  readonly maxLineBytes: number;
  /** Each output line, in order, per stream. */
  readonly onLine: (line: Omit<LogLine, 'time'>) => void;
  /** Each piece of output as it arrives (demultiplexed, not split). */
  readonly onOutput: (stream: 'stdout' | 'stderr', chunk: Buffer) => void;
}

/** How `ExecProcess.kill` reached the process and what it started. */
export type ExecKill = 'host-signal' | 'exec-kill' | 'none';

/** A command running in a container (`startExec`). */
export interface ExecProcess {
  /**
   * Settles once the output stream is over (the command and everything holding its output ended), with the exit code
   * the engine reports (`null` when it cannot tell). Never rejects.
   */
  readonly ended: Promise<{ exitCode: number | null }>;
  /**
   * SIGKILL the command and every process it started (also those that left its process group or outlived their
   * parent), then wait (bounded) for the stream to end and close it. Says how; safe to call twice.
   */
  kill(): Promise<ExecKill>;
  /** From now on read and drop the output without looking at it (so the command never blocks writing, at little cost). */
  discard(): void;
}

/** Commands in running containers (`docker exec`). */
export interface ExecClient {
  /**
   * Run a command in a running container, with its sandbox (namespaces, cgroup, seccomp, capabilities), never privileged,
   * without TTY or stdin. A container that is not running fails with an EngineError of status 409.
   */
  startExec(containerId: string, spec: ExecSpec): Promise<ExecProcess>;
}

/** Images, and building them. */
export interface ImageClient {
  fetchImages(domain: string): Promise<ImageRecord[]>;
  fetchImage(id: string): Promise<ImageRecord | undefined>;
  removeImage(id: string): Promise<void>;
  /**
   * Build an untagged image from a tar context; every output line goes to `onLine`. Fails with `build_failed` and the
   * engine's own message on an `error` in the stream; aborting `signal` aborts the engine's build and rejects with its reason.
   */
  buildImage(spec: BuildSpec): Promise<string>;
  /** Point `repo:tag` at an image (moving the tag from any previous image). */
  tagImage(imageId: string, repo: string, tag: string): Promise<void>;
  /**
   * Push `repository:tag` to its registry (issue 13). Reads every line of the engine's push stream: progress goes to
   * `onLine` (one line per layer state change), an `error`/`errorDetail` fails with build_failed and the engine's own
   * message, and the `aux.Digest` it reports must then be among the image's RepoDigests. Aborting `signal` stops the
   * push and rejects with its reason. Resolves with the digest (`sha256:…`).
   */
  pushImage(spec: PushSpec): Promise<string>;
  /**
   * What builds of this domain left when berth died (label berth.build=<domain>): containers in any state (the engine's
   * step containers) and untagged top-level images (removing one removes its untagged parents).
   */
  fetchBuildLeftovers(domain: string): Promise<{ containers: string[]; images: string[] }>;
}

/** Networks. */
export interface NetworkClient {
  /** The ID of the domain's bridge network, created unless it exists (inter-container traffic off when `isolate`). */
  ensureNetwork(name: string, labels: Readonly<Record<string, string>>, isolate: boolean): Promise<string>;
  /** The host's address on the engine's default bridge (where containers reach the host), if the engine says. */
  fetchBridgeGateway(): Promise<string | undefined>;
}

/** The event stream. */
export interface EventClient {
  /**
   * Container events of this domain. `onEnd` fires once when the stream ends or fails (engine gone);
   * the subscriber then resubscribes after the engine is back. A line that is not a container event is skipped and
   * reported to `onMalformed` (its first 200 characters).
   */
  watchContainers(
    domain: string,
    onEvent: (e: EngineEvent) => void,
    onEnd: (err?: Error) => void,
    onMalformed?: (line: string) => void,
  ): Promise<EventSubscription>;
}

/** A named volume as the engine describes it. */
export interface VolumeRecord {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** ISO 8601, as the engine says (empty if it does not). */
  readonly created: string;
}

export interface VolumeUsage {
  readonly size: number | null;
  readonly containers: number | null;
}

/** Named volumes (Run.yaml `Volumes`, issue 11). Never bind mounts: there is no way here to name a host path. */
export interface VolumeClient {
  /** The volume, or undefined when the engine has none of that name. */
  fetchVolume(name: string): Promise<VolumeRecord | undefined>;
  /** Every volume labelled with this domain. */
  fetchVolumes(domain: string): Promise<VolumeRecord[]>;
  /**
   * Create a volume of the local driver. `size` (bytes) asks the driver for a quota; an engine that cannot enforce one
   * (no project quotas on its file system) refuses the create with `internal` and its own message.
   */
  createVolume(name: string, labels: Readonly<Record<string, string>>, size?: number): Promise<VolumeRecord>;
  /** Idempotent (a missing volume is removed); a volume a container mounts is `in_use`. */
  removeVolume(name: string): Promise<void>;
  /**
   * The engine's disk usage of volumes (`GET /system/df`) by volume name: `size` in bytes and `containers`, how many
   * containers (any state) mount it; null where the engine does not say.
   */
  fetchVolumeUsage(): Promise<Map<string, VolumeUsage>>;
  /** Containers (any state, any domain) that mount this volume. */
  fetchContainersUsingVolume(name: string): Promise<ContainerSummary[]>;
}

/** The narrow engine seam, one part per resource; only the Docker* adapters in this folder implement it. */
export interface Engine extends ContainerClient, ExecClient, ImageClient, NetworkClient, EventClient, VolumeClient {
  ping(): Promise<void>;
  /** The engine's `SecurityOptions` (`name=seccomp,profile=builtin`, `name=userns`, `name=rootless`, …). */
  fetchSecurityOptions(): Promise<string[]>;
  /**
   * Whether the engine talks plain HTTP to this registry (`host:port`): listed as insecure (`--insecure-registry`) or
   * in one of its insecure CIDRs (127.0.0.0/8 always). berth's own registry requests then use http too (issue 13).
   */
  fetchRegistryInsecure(registry: string): Promise<boolean>;
}

/** What pushImage needs. `auth` goes to the engine in the X-Registry-Auth header, never into a log. */
export interface PushSpec {
  readonly repository: string;
  readonly tag: string;
  readonly auth?: { readonly username: string; readonly password: string };
  readonly signal: AbortSignal;
  readonly onLine: (line: string) => void;
}

/**
 * What buildImage needs; the context is a tar stream whose Dockerfile is `dockerfile`. Every step's container gets
 * `memory` (swap included: none on top), `cpus` and the network `network`. The build API has no PIDs limit.
 */
export interface BuildSpec {
  readonly context: NodeJS.ReadableStream;
  readonly dockerfile: string;
  readonly nocache?: boolean;
  readonly network: string;
  readonly memory: number;
  readonly cpus: number;
  readonly signal: AbortSignal;
  readonly onLine: (line: string) => void;
  /** Bytes cut off overlong lines, as they arrive (they count towards the build's output limit). */
  readonly onDropped?: (bytes: number) => void;
  /**
   * Labels of the finished image, given to the build itself (the build API's `labels`): the classic builder appends one
   * LABEL step per label, sorted by key, so the same labels on the same context give the same image ID from the cache.
   */
  readonly labels?: Readonly<Record<string, string>>;
}
