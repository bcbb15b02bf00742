import type { ContainerRecord, ContainerSummary } from './container-record.js';
import type { ContainerSpec } from './container-spec.js';
import type { LogLine } from './log-lines.js';

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
   * Only an engine that replaces in place (swarm: a service cannot be renamed): move the container to `spec`
   * (its new image, environment, labels) by the engine's own rolling update. The new task starts before the old one
   * stops and must then run `monitorMs` (healthy, when the image has a health check); otherwise the engine rolls the
   * container back to what it was, and this rejects with `replacement_failed` saying why.
   */
  updateContainer?(id: string, spec: ContainerSpec, monitorMs: number): Promise<void>;
  /**
   * Set a container's restart policy (a replacement runs without one until it is confirmed, so that an exit is seen as
   * an exit, with its code, and not as a restart). Only on one engine: a swarm replaces by rolling update.
   */
  setRestartPolicy?(id: string, policy: string): Promise<void>;
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
