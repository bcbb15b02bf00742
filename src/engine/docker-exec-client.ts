import { randomUUID } from 'node:crypto';
import type Dockerode from 'dockerode';
import type { DockerRequests } from './docker-requests.js';
import type { ExecClient, ExecKill, ExecProcess, ExecSpec } from './engine.js';
import { killOnHost } from './host-exec-kill.js';
import { LogLines } from './log-lines.js';

/** The environment entry every exec (and so every process it starts) carries, to find them all when killing it. */
export const EXEC_MARK = 'BERTH_EXEC';
/** How long the stream may take to end once its processes were killed, and the exit code to appear after it ended. */
const SETTLE_MS = 5_000;
/** The kill-from-inside exec must end within this. */
const INSIDE_KILL_MS = 10_000;

/**
 * Kills every process whose environment holds the mark given as `$1`, from inside the container, as the exec's user:
 * the fallback when berth cannot signal the exec from the host. A constant script: the mark is an argument, never text
 * in it. Needs `sh`, `tr`, `grep` and `kill` in the image (busybox and every distribution base have them).
 */
const INSIDE_KILL_SCRIPT =
  'for r in 1 2 3; do for d in /proc/[0-9]*; do ' +
  'tr "\\0" "\\n" < "$d/environ" 2>/dev/null | grep -qxF -- "$1" && kill -9 "${d#/proc/}" 2>/dev/null; ' +
  'done; done; exit 0';

type HijackedStream = NodeJS.ReadableStream & { destroy(): void };

/** `docker exec` behind the ExecClient seam. */
export class DockerExecClient implements ExecClient {
  constructor(
    private readonly docker: Dockerode,
    private readonly r: DockerRequests,
    /** Where the host's processes are seen (tests point it elsewhere to take the fallback). */
    private readonly proc = '/proc',
  ) {}

  async startExec(containerId: string, spec: ExecSpec): Promise<ExecProcess> {
    const mark = `${EXEC_MARK}=${randomUUID()}`;
    const container = this.docker.getContainer(containerId);
    const exec = await this.r.request('create exec', () =>
      container.exec({
        Cmd: [...spec.command],
        User: spec.user,
        Env: [mark],
        AttachStdin: false,
        AttachStdout: true,
        AttachStderr: true,
        Tty: false,
        // The container's sandbox as it is: never privileged, no capability added (the engine's exec API has no CapAdd).
        Privileged: false,
      }),
    );
    // No deadline on the stream itself (the caller's timeout bounds it); only its start is bounded.
    const stream = (await this.r.request('start exec', () => exec.start({ hijack: true, stdin: false }))) as unknown as HijackedStream;
    const lines = new LogLines(spec.maxLineBytes, (l) => spec.onLine({ stream: l.stream, line: l.line }), undefined, {
      timestamps: false,
      onPayload: spec.onOutput,
    });
    let over = false;
    let discarding = false;
    let streamDone!: () => void;
    const streamEnded = new Promise<void>((resolve) => (streamDone = resolve));
    const end = () => {
      if (!over) lines.end();
      over = true;
      streamDone();
    };
    stream.on('data', (chunk: Buffer) => over || discarding || lines.push(chunk));
    stream.on('error', end);
    stream.on('end', end);
    stream.on('close', end);
    const ended = streamEnded.then(() => this.exitCode(exec));
    let killing: Promise<ExecKill> | undefined;
    const kill = async (): Promise<ExecKill> => {
      const how = await this.killProcesses(exec, containerId, spec.user, mark);
      await Promise.race([streamEnded, new Promise((r) => setTimeout(r, SETTLE_MS).unref())]);
      over = true;
      stream.destroy();
      return how;
    };
    return {
      ended,
      kill: () => (killing ??= kill()),
      discard: () => void (discarding = true),
    };
  }

  /** From the host when berth can (host-exec-kill.ts), else from inside the container; 'none' when neither worked. */
  private async killProcesses(exec: Dockerode.Exec, containerId: string, user: string, mark: string): Promise<ExecKill> {
    const pid = await this.inspect(exec).then((i) => i?.Pid ?? 0);
    if (await killOnHost(pid, mark, this.proc)) return 'host-signal';
    try {
      const killer = await this.r.request('create exec', () =>
        this.docker.getContainer(containerId).exec({ Cmd: ['sh', '-c', INSIDE_KILL_SCRIPT, 'berth-kill', mark], User: user, AttachStdout: true, AttachStderr: true, Tty: false, Privileged: false }),
      );
      const out = (await this.r.request('start exec', () => killer.start({ hijack: true, stdin: false }))) as unknown as HijackedStream;
      out.resume();
      await Promise.race([
        new Promise((r) => (out.on('end', r), out.on('close', r), out.on('error', r))),
        new Promise((r) => setTimeout(r, INSIDE_KILL_MS).unref()),
      ]);
      out.destroy();
      const code = (await this.inspect(killer))?.ExitCode;
      return code === 0 ? 'exec-kill' : 'none';
    } catch {
      return 'none';
    }
  }

  /** The exit code once the engine says the exec is over (it may lag the stream's end a little); null if it never says. */
  private async exitCode(exec: Dockerode.Exec): Promise<{ exitCode: number | null }> {
    const deadline = Date.now() + SETTLE_MS;
    for (;;) {
      const info = await this.inspect(exec);
      if (info && !info.Running) return { exitCode: typeof info.ExitCode === 'number' ? info.ExitCode : null };
      if (!info || Date.now() > deadline) return { exitCode: null };
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private async inspect(exec: Dockerode.Exec): Promise<{ Pid?: number; Running?: boolean; ExitCode?: number | null } | undefined> {
    return this.r.request('inspect exec', (abortSignal) => exec.inspect({ abortSignal })).catch(() => undefined);
  }
}
