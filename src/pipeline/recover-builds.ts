import type { Engine } from '../engine/engine.js';
import { isBerthError } from '../errors.js';
import type { Logger } from '../log.js';
import { sweepStaleBuildDirs } from './temp-dirs.js';

/** Rounds of removal: right after a kill the engine may still be stopping the dead build's step container. */
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
    log.warn({ err, domain }, 'could not remove what an earlier build left on the engine');
  }
  if (dirs || containers || images) log.info({ dirs, containers, images, left }, 'removed what a killed build left');
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
