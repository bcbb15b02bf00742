import { readdir, readFile, readlink } from 'node:fs/promises';

/** Rounds of look-and-kill: a process forking while it is being killed is found again in the next round. */
const ROUNDS = 20;
const ROUND_PAUSE_MS = 25;

/** Whether a process environment (`/proc/<pid>/environ`, NUL-separated) holds exactly the entry `mark`. */
export function hasMark(environ: Buffer, mark: string): boolean {
  const want = Buffer.from(mark);
  let start = 0;
  while (start <= environ.length) {
    let end = environ.indexOf(0, start);
    if (end === -1) end = environ.length;
    if (end - start === want.length && environ.compare(want, 0, want.length, start, end) === 0) return true;
    start = end + 1;
  }
  return false;
}

/**
 * SIGKILL an exec's process and everything it started, from the host: the engine has no "kill exec" (moby #9098), but
 * berth shares the host's PID namespace with the engine when it runs on the host (the local unix socket), so the exec's
 * `Pid` is a process berth can see. Every process of the exec carries `mark` in its environment (berth sets it), which
 * finds the children that left the process group or outlived their parent, and proves that `pid` is still the exec's
 * (not a reused PID). Only processes in the exec's own PID namespace are looked at.
 *
 * Returns false when this cannot be done here (the PID is not visible or not the exec's, or berth may not signal it:
 * berth in a container, or not root), so that the caller falls back to killing from inside the container.
 */
export async function killOnHost(pid: number, mark: string, proc = '/proc'): Promise<boolean> {
  if (!(pid > 0)) return false;
  const environ = await readFile(`${proc}/${pid}/environ`).catch(() => undefined);
  if (!environ || !hasMark(environ, mark)) return false;
  const ns = await readlink(`${proc}/${pid}/ns/pid`).catch(() => undefined);
  if (!ns) return false;
  // The engine starts every exec as a session and process-group leader: the group first, in one go.
  if (!signal(-pid) && !signal(pid)) return false;
  for (let round = 0; round < ROUNDS; round++) {
    const left = await markedProcesses(mark, ns, proc);
    if (left.length === 0) return true;
    for (const p of left) signal(p);
    await new Promise((r) => setTimeout(r, ROUND_PAUSE_MS));
  }
  return (await markedProcesses(mark, ns, proc)).length === 0;
}

/** The live processes of PID namespace `ns` whose environment holds `mark` (a zombie's environment reads empty). */
export async function markedProcesses(mark: string, ns: string, proc = '/proc'): Promise<number[]> {
  const found: number[] = [];
  const entries = await readdir(proc).catch(() => [] as string[]);
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    if ((await readlink(`${proc}/${entry}/ns/pid`).catch(() => undefined)) !== ns) continue;
    const environ = await readFile(`${proc}/${entry}/environ`).catch(() => undefined);
    if (environ && hasMark(environ, mark)) found.push(Number(entry));
  }
  return found;
}

/** SIGKILL; true when sent or the process is already gone, false when berth may not (EPERM). */
function signal(pid: number): boolean {
  try {
    process.kill(pid, 'SIGKILL');
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
