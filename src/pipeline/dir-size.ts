import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Bytes under a directory (files' sizes, symlinks not followed); entries that vanish while walking count as 0. */
export async function dirSize(dir: string): Promise<number> {
  let total = 0;
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += await dirSize(p);
    else total += await lstat(p).then((s) => s.size, () => 0);
  }
  return total;
}

/** Poll a directory's size until stopped; `onExceed` fires once when it grows past `maxBytes`. */
export function watchDirSize(dir: string, maxBytes: number, onExceed: (bytes: number) => void, intervalMs = 250): { stop(): void } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const tick = async () => {
    const bytes = await dirSize(dir);
    if (stopped) return;
    if (bytes > maxBytes) {
      stopped = true;
      onExceed(bytes);
      return;
    }
    timer = setTimeout(() => void tick(), intervalMs);
  };
  timer = setTimeout(() => void tick(), intervalMs);
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
