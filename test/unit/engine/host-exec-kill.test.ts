import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hasMark, killOnHost, markedProcesses } from '../../../src/engine/host-exec-kill.js';

const MARK = 'BERTH_EXEC=abc';
const env = (...entries: string[]) => Buffer.from(entries.map((e) => `${e}\0`).join(''));

describe('hasMark', () => {
  it('matches exactly one whole entry, wherever it is', () => {
    expect(hasMark(env('PATH=/bin', MARK), MARK)).toBe(true);
    expect(hasMark(env(MARK), MARK)).toBe(true);
    expect(hasMark(Buffer.from(`A=1\0${MARK}`), MARK)).toBe(true); // no NUL after the last entry
    expect(hasMark(env(`${MARK}d`), MARK)).toBe(false);
    expect(hasMark(env(`X${MARK}`), MARK)).toBe(false);
    expect(hasMark(env(`FOO=${MARK}`), MARK)).toBe(false);
    expect(hasMark(Buffer.alloc(0), MARK)).toBe(false);
  });
});

describe('markedProcesses and killOnHost on a /proc of files', () => {
  let proc: string | undefined;
  afterEach(() => proc && rmSync(proc, { recursive: true, force: true }));

  function fakeProc(processes: Record<string, { ns: string; environ: Buffer }>): string {
    proc = mkdtempSync(join(tmpdir(), 'berth-proc-'));
    mkdirSync(join(proc, 'self'));
    for (const [pid, p] of Object.entries(processes)) {
      mkdirSync(join(proc, pid, 'ns'), { recursive: true });
      symlinkSync(p.ns, join(proc, pid, 'ns', 'pid'));
      writeFileSync(join(proc, pid, 'environ'), p.environ);
    }
    return proc;
  }

  it('finds the marked processes of the same PID namespace only', async () => {
    const dir = fakeProc({
      '100': { ns: 'pid:[1]', environ: env('A=1', MARK) },
      '101': { ns: 'pid:[1]', environ: env('A=1') },
      '102': { ns: 'pid:[2]', environ: env(MARK) },
      '103': { ns: 'pid:[1]', environ: Buffer.alloc(0) }, // a zombie
      '104': { ns: 'pid:[1]', environ: env(MARK, 'B=2') },
    });
    expect((await markedProcesses(MARK, 'pid:[1]', dir)).sort()).toEqual([100, 104]);
  });

  it('declines (so berth falls back to killing from inside) when the PID is not visible, not the exec\'s, or 0', async () => {
    const dir = fakeProc({ '200': { ns: 'pid:[1]', environ: env('A=1') } });
    expect(await killOnHost(0, MARK, dir)).toBe(false);
    expect(await killOnHost(999_999, MARK, dir)).toBe(false);
    expect(await killOnHost(200, MARK, dir)).toBe(false); // a PID reused by another process
  });
});
