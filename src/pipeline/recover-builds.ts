import type { Engine } from '../engine/engine.js';
import { isBerthError } from '../errors.js';
import type { Logger } from '../log.js';
import { sweepStaleBuildDirs } from './temp-dirs.js';

/** Rounds of removal: right after a kill or an abort the engine may still be stopping a step container. */
const ROUNDS = 20;
const ROUND_WAIT_MS = 500;

/**
 * What a berth killed mid-build (SIGKILL, power loss) left: its build directories, the engine's step containers and
 * berth's label-commit container, and the untagged step images (all labelled berth.build=<domain>). The daemon awaits
 * this before it registers anything, so no build of this berth is running yet. Bounded (about 10 s at most) and never
 * fatal: an engine that is down now is no reason not to start.
 */
export async function recoverBuilds(engine: Engine, domain: string, log: Logger): Promise<void> {
  const dirs = await sweepStaleBuildDirs().catch((err) => (log.warn({ err }, 'could not sweep stale build directories'), 0));
  const removed = await removeBuildLeftovers(engine, domain, log);
  if (dirs || removed.containers || removed.images) log.info({ dirs, ...removed }, 'removed what a killed build left');
}

/**
 * Remove the domain's build containers and untagged build images. Only while no build of the domain runs: a running
 * build's newest step image is untagged too. Failures are logged, never thrown.
 */
export async function removeBuildLeftovers(engine: Engine, domain: string, log: Logger): Promise<{ containers: number; images: number; left: number }> {
  let containers = 0;
  let images = 0;
  let left = 0;
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const found = await engine.fetchBuildLeftovers(domain);
      // Containers first: a step container holds its image. Removing a top-level untagged image removes its untagged
      // parents too; an image another build's cache or a container still needs is refused by the engine and stays.
      for (const id of found.containers) if (await attempt(() => engine.removeContainer(id))) containers++;
      for (const id of found.images) if (await attempt(() => engine.removeImage(id))) images++;
      const after = await engine.fetchBuildLeftovers(domain);
      left = after.containers.length + after.images.length;
      if (left === 0 || (found.containers.length === 0 && sameIds(found.images, after.images))) break;
      await new Promise((r) => setTimeout(r, ROUND_WAIT_MS));
    }
  } catch (err) {
    log.warn({ err, domain }, 'could not remove what builds left on the engine');
  }
  return { containers, images, left };
}

/** One removal; "in use" and "gone" are expected (the engine is still stopping a step, or removed it itself). */
async function attempt(remove: () => Promise<void>): Promise<boolean> {
  try {
    await remove();
    return true;
  } catch (err) {
    if (isBerthError(err, 'in_use') || isBerthError(err, 'not_found')) return false;
    throw err;
  }
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((id) => b.includes(id));
}
