import type { Engine } from '../engine/engine.js';
import { isBerthError } from '../errors.js';
import type { Logger } from '../log.js';
import { sweepStaleBuildDirs } from './temp-dirs.js';

/**
 * What a berth killed mid-build (SIGKILL, power loss) left: its build directories, the engine's step containers and
 * berth's label-commit container, and the untagged step images (all labelled berth.build=<domain>). The daemon awaits
 * this before it registers anything, so no build of this berth is running yet. Failures are logged, never fatal: an
 * engine that is down now is no reason not to start.
 */
export async function recoverBuilds(engine: Engine, domain: string, log: Logger): Promise<void> {
  const dirs = await sweepStaleBuildDirs().catch((err) => (log.warn({ err }, 'could not sweep stale build directories'), 0));
  let containers = 0;
  let images = 0;
  try {
    // Containers first: a step container holds its image.
    const left = await engine.fetchBuildLeftovers(domain);
    for (const id of left.containers) {
      await engine.removeContainer(id);
      containers++;
    }
    // Removing a top-level untagged image removes its untagged parents too; images a cache or a container still needs stay.
    for (const id of (await engine.fetchBuildLeftovers(domain)).images) {
      try {
        await engine.removeImage(id);
        images++;
      } catch (err) {
        if (!isBerthError(err, 'in_use') && !isBerthError(err, 'not_found')) throw err;
      }
    }
  } catch (err) {
    log.warn({ err, domain }, 'could not remove what an earlier build left on the engine');
  }
  if (dirs || containers || images) log.info({ dirs, containers, images }, 'removed what a killed build left');
}
