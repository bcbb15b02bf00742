import { useEffect, useState } from 'preact/hooks';
import type { Fabric } from './fabric.js';

/** D/<name>/top's numbers. */
export interface Usage {
  cpuPercent: number;
  memoryUsage: number;
  memoryLimit: number;
  pids: number;
}

/** How often usage is read while the page is visible (every 2 s). */
export const USAGE_EVERY_MS = 2000;

/**
 * D/<name>/top for each of `names` every 2 s while the page is visible (a hidden tab asks nothing), keeping the last
 * `keep` samples of each. A container that answers an error simply has no sample that round.
 */
export function useUsage(fabric: Fabric, names: readonly string[], open: boolean, keep = 1): Map<string, Usage[]> {
  const [samples, setSamples] = useState<Map<string, Usage[]>>(new Map());
  const key = names.join('\n');
  useEffect(() => {
    if (!open || names.length === 0) return;
    let live = true;
    const read = async () => {
      if (document.visibilityState !== 'visible') return;
      const answers = await Promise.all(
        names.map((n) => fabric.call<Usage>(fabric.uri(`${n}/top`)).then((u) => [n, u] as const, () => undefined)),
      );
      if (!live) return;
      setSamples((now) => {
        const next = new Map<string, Usage[]>();
        for (const n of names) next.set(n, now.get(n) ?? []);
        for (const a of answers) if (a) next.set(a[0], [...(next.get(a[0]) ?? []), a[1]].slice(-keep));
        return next;
      });
    };
    void read();
    const timer = setInterval(() => void read(), USAGE_EVERY_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [fabric, key, open, keep]);
  return samples;
}
