import { spawn } from 'node:child_process';
import { BerthError } from '../errors.js';
import { LineSplitter, type LineInfo } from './line-splitter.js';

export interface RunGitOptions {
  readonly args: readonly string[];
  readonly cwd: string;
  /** The whole environment of the process: nothing of berth's own environment is inherited. */
  readonly env: Readonly<Record<string, string>>;
  readonly signal: AbortSignal;
  readonly onStderr: (line: string, info: LineInfo) => void;
  readonly onStdout?: (line: string, info: LineInfo) => void;
  /** Bytes cut off overlong stderr lines, as they arrive. */
  readonly onDropped?: (bytes: number) => void;
  /** The program; tests point it at something that cannot be spawned. */
  readonly command?: string;
}

/** After a kill, how long to wait for the process group's pipes to close before giving up on them. */
const CLOSE_WAIT_MS = 2_000;

/**
 * Run one git command. Output goes through the bounded line splitter as it arrives (nothing is collected, so a server
 * that writes progress forever costs no memory). A failure to spawn (EMFILE, ENOENT) rejects like a failed command —
 * the child's `error` event always has a listener, so it can never take berth down. git runs in its own process group so
 * that aborting kills its helpers (git-remote-http) as well. Rejects with a plain Error carrying the exit status; the
 * caller turns it into its own BerthError.
 */
export function runGit(o: RunGitOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    if (o.signal.aborted) return reject(abortReason(o.signal));
    let settled = false;
    const settle = (err?: Error) => {
      if (settled) return;
      settled = true;
      o.signal.removeEventListener('abort', onAbort);
      clearTimeout(closeTimer);
      if (err) reject(err);
      else resolve();
    };
    let closeTimer: NodeJS.Timeout | undefined;
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(o.command ?? 'git', [...o.args], { cwd: o.cwd, env: { ...o.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    } catch (err) {
      return reject(err as Error);
    }
    const killGroup = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    const onAbort = () => {
      killGroup();
      // The pipes close once every process of the group is gone; do not wait for ever on a stuck one.
      closeTimer = setTimeout(() => settle(abortReason(o.signal)), CLOSE_WAIT_MS);
      closeTimer.unref();
    };
    o.signal.addEventListener('abort', onAbort, { once: true });
    child.on('error', (err) => {
      killGroup();
      settle(err);
    });
    const errLines = new LineSplitter(o.onStderr, undefined, o.onDropped);
    const outLines = new LineSplitter(o.onStdout ?? (() => undefined));
    // After EMFILE/ENFILE Node has no pipes to give (stdout and stderr are null) and only emits `error`.
    child.stderr?.on('data', (b: Buffer) => errLines.push(b));
    child.stdout?.on('data', (b: Buffer) => outLines.push(b));
    child.stderr?.on('error', () => undefined);
    child.stdout?.on('error', () => undefined);
    child.on('close', (code, sig) => {
      errLines.flush();
      outLines.flush();
      if (o.signal.aborted) return settle(abortReason(o.signal));
      if (code === 0) return settle();
      const e = new Error(`git ${o.args.find((a) => !a.startsWith('-') && !a.includes('=')) ?? ''} exited with ${code ?? sig}`);
      settle(e);
    });
  });
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new BerthError('canceled', 'the build was canceled');
}
