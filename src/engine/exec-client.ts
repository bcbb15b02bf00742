import type { LogLine } from './log-lines.js';

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
