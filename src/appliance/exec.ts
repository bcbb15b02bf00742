import { z } from 'zod';
import { failures } from '../errors.js';
import { hasStatus } from '../engine/engine-error.js';
import type { ContainerRecord, ExecKill, ExecProcess } from '../engine/engine.js';
import { jsonBytes } from '../wamp/answer-call.js';
import type { Call } from '../wamp/call.js';
import { ExecOutput, headBytes } from './exec-output.js';
import type { OpsContext } from './ops-context.js';
import { parseArgs } from './parse-args.js';
import { replicasCount } from './replicas-argument.js';
import { replicaOf } from '../engine/labels.js';

/** Bounds of `command`: arguments, bytes of one, bytes of all (well under the kernel's ARG_MAX). */
export const COMMAND_LIMITS = { args: 1024, argBytes: 32_768, totalBytes: 131_072 } as const;
/** Default `timeout` (seconds), lowered to `exec.maxTimeout` when that is less. */
export const DEFAULT_EXEC_TIMEOUT = 30;
/** Defaults of what the daemon passes along with the exec config (`logs.maxLineBytes`, `maxResultBytes`). */
const DEFAULT_LINE_BYTES = 16_384;
const DEFAULT_RESULT_BYTES = 1_000_000;
/** Room in an answer for everything but `output` (the keys and the other values). */
const RESULT_ROOM = 256;

/** One progressive result of `D/<name>/exec`: a line of the command's output (as `D/<name>/logs`, without `time`). */
export interface ExecLine {
  readonly stream: 'stdout' | 'stderr';
  readonly line: string;
}

/** The answer of `D/<name>/exec`. */
export interface ExecResult {
  /** The command's exit code; null when berth killed it (time limit). */
  readonly exitCode: number | null;
  /** Everything it wrote to stdout and stderr, in arrival order, up to `exec.maxOutputBytes`. */
  readonly output: string;
  /** Whether `output` (and the progressive results) stopped at the cap. */
  readonly truncated: boolean;
  /** Whether the time limit killed it. */
  readonly timedOut: boolean;
}

const utf8Bytes = (s: string) => Buffer.byteLength(s, 'utf8');

export function execSchema(maxTimeout: number) {
  const argument = z
    .string({ error: 'must be a list of strings, one per argument' })
    .refine((s) => !s.includes('\0'), 'must not contain NUL')
    .refine((s) => utf8Bytes(s) <= COMMAND_LIMITS.argBytes, `must have no argument over ${COMMAND_LIMITS.argBytes} bytes`);
  return z.object({
    command: z
      .array(argument, { error: 'must be a list of strings, one per argument (not a shell string: use ["sh", "-c", "…"] for a shell)' })
      .min(1, 'must not be empty')
      .max(COMMAND_LIMITS.args, `must have at most ${COMMAND_LIMITS.args} arguments`)
      .refine((c) => c.reduce((n, s) => n + utf8Bytes(s) + 1, 0) <= COMMAND_LIMITS.totalBytes, `must be at most ${COMMAND_LIMITS.totalBytes} bytes in all`),
    timeout: z.preprocess(
      (v) => v ?? Math.min(DEFAULT_EXEC_TIMEOUT, maxTimeout),
      z.number({ error: 'must be a number of seconds' }).int('must be an integer').min(1, 'must be ≥ 1').max(maxTimeout, `must be ≤ ${maxTimeout} (exec.maxTimeout)`),
    ),
    /** Which replica runs it (1: the first, the only one of a one-replica container). */
    replica: z.preprocess((v) => v ?? 1, replicasCount),
  });
}

/**
 * `D/<name>/exec(command, timeout=30)`: the command runs in the running container as its user, in its sandbox,
 * its lines go out as progressive results `{stream, line}`, and the answer is `{exitCode, output, truncated, timedOut}`.
 * At most `exec.perContainer` at once per container (more: busy). The time limit, a caller that cancels (embedded
 * router) or leaves (both routers: the interrupt, or Crossbar.io's `wamp.session.on_leave`) kills the command and
 * everything it started; the container keeps running.
 */
export class ExecRunner {
  private readonly running = new Map<string, number>();
  /** Every running exec's kill switch and its end, for stop(). */
  private readonly active = new Set<{ readonly kill: () => void; readonly done: Promise<void> }>();
  private stopping = false;
  /** Kill switches of running execs, by the caller's session, for callers that leave. */
  private readonly bySession = new Map<number, Set<() => void>>();
  private readonly schema;

  constructor(private readonly ctx: OpsContext) {
    this.schema = execSchema(ctx.exec.maxTimeout);
    // Crossbar.io does not interrupt an autobahn callee when its caller leaves: the meta event says it instead.
    ctx.session
      .subscribe('wamp.session.on_leave', (args) => {
        const id = typeof args[0] === 'number' ? args[0] : (args[0] as { session?: unknown } | undefined)?.session;
        if (typeof id !== 'number' || !this.bySession.has(id)) return;
        // A router that lets any peer publish on wamp.* topics (nexus) lets one forge this event to kill another
        // caller's commands: a session the router still has has not left.
        void ctx.session.call('wamp.session.get', [id]).then(
          (details) => typeof details === 'object' && details !== null,
          () => false,
        ).then((alive) => {
          if (!alive) for (const stop of this.bySession.get(id) ?? []) stop();
        });
      })
      .catch((err: unknown) => ctx.log.warn({ err }, 'cannot hear wamp.session.on_leave: an exec whose caller left runs until its timeout'));
  }

  async run(call: Call, name: string, own: () => ContainerRecord): Promise<ExecResult> {
    const { command, timeout, replica } = parseArgs(call, ['command', 'timeout', 'replica'], this.schema);
    const first = own();
    const c = replicaOf(first.labels) === replica ? first : this.ctx.index.getReplicas(name).find((r) => replicaOf(r.labels) === replica);
    if (!c) throw failures.noReplica(name, replica, this.ctx.domain);
    if (c.state !== 'running') throw failures.notRunning(name, c.state);
    const { perContainer } = this.ctx.exec;
    const now = this.running.get(name) ?? 0;
    if (now >= perContainer) throw failures.execBusy(name, perContainer);
    this.running.set(name, now + 1);
    try {
      return await this.execute(call, c, command, timeout);
    } finally {
      const left = (this.running.get(name) ?? 1) - 1;
      if (left > 0) this.running.set(name, left);
      else this.running.delete(name);
    }
  }

  private async execute(call: Call, c: ContainerRecord, command: string[], timeout: number): Promise<ExecResult> {
    const { ctx } = this;
    const max = ctx.exec.maxOutputBytes;
    const output = new ExecOutput(max);
    let sent = 0;
    let progressCut = false;
    const onLine = (line: ExecLine) => {
      if (progressCut) return;
      sent += utf8Bytes(line.line) + 1;
      if (sent > max) progressCut = true;
      else call.progress?.(line);
    };
    let proc: ExecProcess | undefined;
    const onOutput = (_s: unknown, chunk: Buffer) => {
      output.add(chunk);
      if (!output.truncated) return;
      // At the cap: nothing more is looked at (the command goes on, its output is read and dropped).
      progressCut = true;
      proc?.discard();
    };
    try {
      proc = await ctx.engine.startExec(c.id, { command, user: c.user, maxLineBytes: ctx.exec.maxLineBytes ?? DEFAULT_LINE_BYTES, onLine, onOutput });
      if (output.truncated) proc.discard();
    } catch (err) {
      // The index may not know yet that the container stopped (or is paused): the engine refuses with 409.
      if (hasStatus(err, 409) || hasStatus(err, 500)) {
        const state = await this.stateOf(c);
        if (state !== undefined || hasStatus(err, 409)) throw failures.notRunning(c.name, state ?? 'not running');
      }
      throw err;
    }
    const stop = new AbortController();
    const timer = setTimeout(() => stop.abort('timeout'), timeout * 1000);
    const gone = () => stop.abort('gone');
    let finished!: () => void;
    const active = { kill: () => stop.abort('stopping'), done: new Promise<void>((resolve) => (finished = resolve)) };
    this.active.add(active);
    if (this.stopping) active.kill();
    if (call.signal?.aborted) gone();
    call.signal?.addEventListener('abort', gone, { once: true });
    const session = call.caller?.session;
    const switches = session === undefined ? undefined : this.bySession.get(session) ?? new Set<() => void>();
    if (session !== undefined && switches) this.bySession.set(session, switches.add(gone));
    try {
      type Reason = 'timeout' | 'gone' | 'stopping';
      const stopped = new Promise<Reason>((resolve) => {
        if (stop.signal.aborted) resolve(stop.signal.reason as Reason);
        stop.signal.addEventListener('abort', () => resolve(stop.signal.reason as Reason), { once: true });
      });
      const outcome = await Promise.race([proc.ended, stopped]);
      if (typeof outcome === 'object') return this.result(outcome.exitCode, output, progressCut, false);
      const how: ExecKill = await proc.kill();
      const entry = { name: c.name, reason: outcome, how, timeout };
      if (how === 'none') ctx.log.warn(entry, 'exec could not be killed (no kill in the image and no access to its host PID): it runs on until it ends');
      else ctx.log.info(entry, 'exec killed');
      return this.result(null, output, progressCut, outcome === 'timeout');
    } finally {
      clearTimeout(timer);
      this.active.delete(active);
      finished();
      call.signal?.removeEventListener('abort', gone);
      if (session !== undefined && switches) {
        switches.delete(gone);
        if (switches.size === 0 && this.bySession.get(session) === switches) this.bySession.delete(session);
      }
    }
  }

  /**
   * berth is stopping: kill every running exec (a command such as `sleep infinity` would otherwise outlive berth's
   * stream for good) and wait for them, bounded by the kill's own bounds. One that starts meanwhile is killed at once.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    const running = [...this.active];
    for (const a of running) a.kill();
    await Promise.all(running.map((a) => a.done));
  }

  /** The answer, its output shortened further if the whole would not fit one WAMP message (`maxResultBytes`). */
  private result(exitCode: number | null, collected: ExecOutput, progressCut: boolean, timedOut: boolean): ExecResult {
    let output = collected.text();
    let truncated = collected.truncated || progressCut;
    const limit = (this.ctx.exec.maxResultBytes ?? DEFAULT_RESULT_BYTES) - RESULT_ROOM;
    // JSON escaping may make output weigh more than its bytes (control characters: 6 each); shrink until it fits.
    for (let size = jsonBytes(output); size > limit; size = jsonBytes(output)) {
      output = headBytes(output, Math.floor((utf8Bytes(output) * limit) / size) - 1);
      truncated = true;
    }
    return { exitCode, output, truncated, timedOut };
  }

  private async stateOf(c: ContainerRecord): Promise<string | undefined> {
    await this.ctx.index.refresh(c.id).catch(() => undefined);
    const now = this.ctx.index.getReplicas(c.name).find((r) => r.id === c.id);
    return now && now.state !== 'running' ? now.state : undefined;
  }
}
