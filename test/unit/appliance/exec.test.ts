import { describe, expect, it } from 'vitest';
import { ExecRunner, execSchema } from '../../../src/appliance/exec.js';
import type { OpsContext } from '../../../src/appliance/ops-context.js';
import { parseArgs } from '../../../src/appliance/parse-args.js';
import { EngineError } from '../../../src/engine/engine-error.js';
import type { ContainerRecord, ExecKill, ExecProcess, ExecSpec } from '../../../src/engine/engine.js';
import { isBerthError } from '../../../src/errors.js';
import { createLogger } from '../../../src/log.js';
import type { Call } from '../../../src/wamp/call.js';

const call = (args: unknown[], kwargs: Record<string, unknown> = {}, extra: Partial<Call> = {}): Call => ({ procedure: 'berth/w/exec', args, kwargs, ...extra });
const parse = (args: unknown[], kwargs: Record<string, unknown> = {}) => parseArgs(call(args, kwargs), ['command', 'timeout', 'replica'], execSchema(60));
const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    if (isBerthError(err)) return { code: err.code, argument: err.details.argument, message: err.message };
    throw err;
  }
  throw new Error('no refusal');
};

describe('exec arguments', () => {
  it('a list of strings, positional or keyword; timeout defaults to 30', () => {
    expect(parse([['ls', '-l']])).toEqual({ command: ['ls', '-l'], timeout: 30, replica: 1 });
    expect(parse([], { command: ['true'], timeout: 5 })).toEqual({ command: ['true'], timeout: 5, replica: 1 });
    expect(parse([['true'], 5, 2])).toEqual({ command: ['true'], timeout: 5, replica: 2 });
    expect(parseArgs(call([['true']]), ['command', 'timeout'], execSchema(10)).timeout).toBe(10); // lowered to maxTimeout
  });

  it('refuses what is not a non-empty list of NUL-free strings within bounds, naming command', () => {
    for (const bad of [[], 'ls -l', ['ls', 1], { 0: 'ls' }, null, ['a\0b'], ['x'.repeat(40_000)], Array.from({ length: 1025 }, () => 'a'), Array.from({ length: 10 }, () => 'x'.repeat(20_000))]) {
      expect(refusal(() => parse([bad]))).toMatchObject({ code: 'invalid_argument', argument: 'command' });
    }
    expect(refusal(() => parse([]))).toMatchObject({ code: 'invalid_argument', argument: 'command' });
    expect(refusal(() => parse(['ls'])).message).toMatch(/not a shell string/);
  });

  it('refuses a timeout that is not a whole number of seconds from 1 to exec.maxTimeout', () => {
    for (const bad of [0, -1, 1.5, '5', 61, true]) {
      expect(refusal(() => parse([['true'], bad]))).toMatchObject({ code: 'invalid_argument', argument: 'timeout' });
    }
    expect(refusal(() => parse([['true'], 61])).message).toMatch(/exec\.maxTimeout/);
  });
});

/** A fake engine exec: its lines and output are played by the test, and its end comes when the test says. */
class FakeExec implements ExecProcess {
  kills = 0;
  discarded = false;
  private finish!: (r: { exitCode: number | null }) => void;
  readonly ended = new Promise<{ exitCode: number | null }>((r) => (this.finish = r));
  constructor(readonly spec: ExecSpec) {}
  discard(): void {
    this.discarded = true;
  }
  write(stream: 'stdout' | 'stderr', text: string): void {
    this.spec.onOutput(stream, Buffer.from(text));
    if (this.discarded) return;
    for (const line of text.split('\n').filter(Boolean)) this.spec.onLine({ stream, line });
  }
  exit(code: number): void {
    this.finish({ exitCode: code });
  }
  async kill(): Promise<ExecKill> {
    this.kills++;
    this.finish({ exitCode: 137 });
    return 'host-signal';
  }
}

function runner(options: { maxOutputBytes?: number; maxResultBytes?: number; perContainer?: number; startError?: unknown } = {}) {
  const execs: FakeExec[] = [];
  const leaves: ((args: unknown[]) => void)[] = [];
  /** Sessions the router has (wamp.session.get answers for them): 77 until it leaves. */
  const alive = new Set([77]);
  const record = { id: 'c1', name: 'w', state: 'running', user: '65534', labels: {} } as ContainerRecord;
  const ctx = {
    exec: { maxOutputBytes: options.maxOutputBytes ?? 1024, maxTimeout: 60, perContainer: options.perContainer ?? 4, maxResultBytes: options.maxResultBytes },
    log: createLogger('silent'),
    session: {
      subscribe: async (_t: string, h: (args: unknown[]) => void) => void leaves.push(h),
      call: async (uri: string, [id]: unknown[]) => {
        if (uri !== 'wamp.session.get' || !alive.has(id as number)) throw new Error('wamp.error.no_such_session');
        return { session: id, authid: 'alice' };
      },
    },
    index: { refresh: async () => undefined, getReplicas: () => [{ ...record, state: 'exited' }] },
    engine: {
      startExec: async (_id: string, spec: ExecSpec) => {
        if (options.startError) throw options.startError;
        const e = new FakeExec(spec);
        execs.push(e);
        return e;
      },
    },
  } as unknown as OpsContext;
  const r = new ExecRunner(ctx);
  const started = async (n: number) => {
    for (let i = 0; i < 100 && execs.length < n; i++) await new Promise((res) => setTimeout(res, 1));
    return execs[n - 1]!;
  };
  const event = (session: number) => leaves.forEach((h) => h([session]));
  const leave = (session: number) => (alive.delete(session), event(session));
  return { r, execs, started, leave, forge: event, own: () => record };
}

describe('ExecRunner', () => {
  it('sends lines as progressive results and answers the exit code and the output', async () => {
    const { r, started, own } = runner();
    const progress: unknown[] = [];
    const done = r.run(call([['x']], {}, { progress: (p) => progress.push(p) }), 'w', own);
    const e = await started(1);
    expect(e.spec).toMatchObject({ command: ['x'], user: '65534' });
    e.write('stdout', 'a\n');
    e.write('stderr', 'b\n');
    e.exit(2);
    expect(await done).toEqual({ exitCode: 2, output: 'a\nb\n', truncated: false, timedOut: false });
    expect(progress).toEqual([{ stream: 'stdout', line: 'a' }, { stream: 'stderr', line: 'b' }]);
  });

  it('stops the progressive results and the output at maxOutputBytes, and says so', async () => {
    const { r, started, own } = runner({ maxOutputBytes: 1024 });
    const progress: unknown[] = [];
    const done = r.run(call([['x']], {}, { progress: (p) => progress.push(p) }), 'w', own);
    const e = await started(1);
    for (let i = 0; i < 100; i++) e.write('stdout', `${'y'.repeat(99)}\n`);
    e.exit(0);
    const result = await done;
    expect(result.truncated).toBe(true);
    expect(Buffer.byteLength(result.output)).toBe(1024);
    expect(progress).toHaveLength(10);
    expect(e.discarded).toBe(true); // past the cap the output is no longer looked at
  });

  it('shrinks the output further when the answer would not fit maxResultBytes (JSON escaping)', async () => {
    const { r, started, own } = runner({ maxOutputBytes: 4096, maxResultBytes: 2048 });
    const done = r.run(call([['x']]), 'w', own);
    const e = await started(1);
    e.write('stdout', '\u0001'.repeat(4000)); // 6 bytes each as JSON
    e.exit(0);
    const result = await done;
    expect(result.truncated).toBe(true);
    expect(Buffer.byteLength(JSON.stringify([result]))).toBeLessThanOrEqual(2048);
    expect(result.output.length).toBeGreaterThan(200);
  });

  it('kills on the time limit, answering what came and timedOut', async () => {
    const { r, started, own } = runner();
    const done = r.run(call([['x'], 1]), 'w', own);
    const e = await started(1);
    e.write('stdout', 'partial\n');
    expect(await done).toEqual({ exitCode: null, output: 'partial\n', truncated: false, timedOut: true });
    expect(e.kills).toBe(1);
  });

  it('kills when the call signal aborts, and when the caller\'s session leaves (wamp.session.on_leave), not on a forged on_leave', async () => {
    const { r, started, own, leave, forge } = runner();
    const gone = new AbortController();
    const one = r.run(call([['x'], 60], {}, { signal: gone.signal }), 'w', own);
    const two = r.run(call([['x'], 60], {}, { caller: { session: 77 } }), 'w', own);
    const [e1, e2] = [await started(1), await started(2)];
    gone.abort();
    expect(await one).toMatchObject({ timedOut: false, exitCode: null });
    expect(e1.kills).toBe(1);
    leave(78);
    // A peer that may publish on wamp.* (nexus lets any) names a session the router still has: nothing is killed.
    forge(77);
    await new Promise((res) => setTimeout(res, 20));
    expect(e2.kills).toBe(0);
    leave(77);
    expect(await two).toMatchObject({ timedOut: false, exitCode: null });
    expect(e2.kills).toBe(1);
  });

  it('refuses more than perContainer at once with busy, and frees the slot when one ends', async () => {
    const { r, started, own } = runner({ perContainer: 1 });
    const first = r.run(call([['x']]), 'w', own);
    const e = await started(1);
    await expect(r.run(call([['x']]), 'w', own)).rejects.toMatchObject({ code: 'busy', details: { name: 'w', limit: 1 } });
    e.exit(0);
    await first;
    const again = r.run(call([['x']]), 'w', own);
    (await started(2)).exit(0);
    expect((await again).exitCode).toBe(0);
  });

  it('not_running for a stopped container, before and when the engine says so (409)', async () => {
    const stopped = runner();
    await expect(stopped.r.run(call([['x']]), 'w', () => ({ ...stopped.own(), state: 'exited' }))).rejects.toMatchObject({ code: 'not_running', details: { name: 'w', state: 'exited' } });
    const raced = runner({ startError: new EngineError('in_use', 'container is not running', 409) });
    await expect(raced.r.run(call([['x']]), 'w', raced.own)).rejects.toMatchObject({ code: 'not_running', details: { name: 'w', state: 'exited' } });
    // and the slot is free again
    await expect(raced.r.run(call([['x']]), 'w', raced.own)).rejects.toMatchObject({ code: 'not_running' });
  });
});
