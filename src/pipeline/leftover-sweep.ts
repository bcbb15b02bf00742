import type { Engine } from '../engine/engine.js';
import type { Logger } from '../log.js';
import { removeBuildLeftovers } from './recover-builds.js';

/** After a failed build, once no build runs for this long, the domain's untagged build images are swept. */
const SWEEP_AFTER_MS = 2_000;

/**
 * An aborted engine build may still commit the step it was in after berth has cleaned up (the engine notices the
 * abort between steps), leaving an untagged step image. When no build has run for SWEEP_AFTER_MS, the domain's
 * untagged build images and build containers are removed; a build that starts meanwhile waits for the sweep.
 */
export class LeftoverSweep {
  /** A build failed since the last sweep. */
  wanted = false;
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<unknown> | undefined;

  constructor(
    private readonly engine: Engine,
    private readonly domain: string,
    private readonly log: Logger,
    /** Whether a build runs now. */
    private readonly building: () => boolean,
  ) {}

  /** A running sweep, which a build waits for before it hands anything to the engine. */
  get running(): Promise<unknown> | undefined {
    return this.sweeping;
  }

  /** Sweep once no build has run for SWEEP_AFTER_MS (a later call starts the wait again). */
  schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (this.building() || this.sweeping) return;
      this.wanted = false;
      this.sweeping = removeBuildLeftovers(this.engine, this.domain, this.log).finally(() => (this.sweeping = undefined));
    }, SWEEP_AFTER_MS);
    this.timer.unref();
  }

  /** Drop a scheduled sweep (berth is stopping); a running one goes on (await `running`). */
  cancelScheduled(): void {
    clearTimeout(this.timer);
  }
}
