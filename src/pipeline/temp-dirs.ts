import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Every build works in `<tmpdir>/berth-build-<pid>-XXXXXX`; the pid lets a later berth sweep what a killed one left. */
export const TEMP_PREFIX = 'berth-build-';

export function makeBuildDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), `${TEMP_PREFIX}${process.pid}-`));
}

export async function removeBuildDir(dir: string): Promise<void> {
  // Retries: a killed git may still be closing files for a moment.
  await rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
}

/** Remove build dirs of berth processes that no longer run (killed mid-build). Returns how many. */
export async function sweepStaleBuildDirs(): Promise<number> {
  const names = await readdir(tmpdir()).catch(() => [] as string[]);
  let removed = 0;
  for (const name of names) {
    const m = new RegExp(`^${TEMP_PREFIX}(\\d+)-`).exec(name);
    if (!m || isAlive(Number(m[1]))) continue;
    await removeBuildDir(join(tmpdir(), name)).catch(() => undefined);
    removed++;
  }
  return removed;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
