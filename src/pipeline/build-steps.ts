import type { Engine } from '../engine/engine.js';
import { isBerthError } from '../errors.js';
import type { Logger } from '../log.js';
import { shortImageId } from './short-image-id.js';

/**
 * What the engine's build output says of its steps, read line by line: the image of each finished step, the container
 * of the step running now, and the last lines (which tell why a step failed). After a failed or canceled build,
 * `remove` takes away what its steps left.
 */
export class BuildSteps {
  private readonly tail: string[] = [];
  /** The engine's image of each finished step (" ---> <id>"); the first is the base. */
  private readonly steps: string[] = [];
  /** The engine's container of the step running now (" ---> Running in <id>"). */
  private stepContainer: string | undefined;

  constructor(
    private readonly engine: Engine,
    private readonly log: Logger,
  ) {}

  read(line: string): void {
    const step = /^ ---> ([0-9a-f]{12})$/.exec(line);
    if (step) this.steps.push(step[1]!);
    this.stepContainer = /^ ---> Running in ([0-9a-f]{12})$/.exec(line)?.[1] ?? this.stepContainer;
    this.tail.push(line);
    if (this.tail.length > 8) this.tail.shift();
  }

  /** The build's last (at most five) lines, without the engine's own ERROR lines. */
  lastLines(): string[] {
    return this.tail.filter((l) => !l.startsWith('ERROR: ')).slice(-5);
  }

  /** Remove the running step's container and the images of finished steps, but none of the `known` images. */
  async remove(known: ReadonlySet<string>): Promise<void> {
    // The engine removes an aborted step's container on its own, a moment later; berth does not answer before it is gone.
    if (this.stepContainer) await this.removeStepContainer(this.stepContainer);
    await this.removeStepImages(this.steps.slice(1).filter((id) => ![...known].some((k) => shortImageId(k) === id)));
  }

  /** Remove a step's container (idempotent) and wait, at most 10 s, until the engine no longer has it. */
  private async removeStepContainer(id: string): Promise<void> {
    const { engine, log } = this;
    for (let attempt = 0; attempt < 40; attempt++) {
      // "Removal already in progress" (the engine's own cleanup) is in_use: wait for it.
      await engine.removeContainer(id).catch(() => undefined);
      const still = await engine.fetchContainer(id).catch(() => undefined);
      if (!still) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    log.warn({ container: id }, 'the engine still has the step container of a failed build');
  }

  /**
   * The untagged images of the steps a failed or canceled build finished would stay as dangling layers: remove them,
   * newest first. Tagged images (a base) and images other images build on (cache of an earlier build) are kept.
   */
  private async removeStepImages(ids: string[]): Promise<void> {
    for (const id of [...new Set(ids)].reverse()) {
      const image = await this.engine.fetchImage(id).catch(() => undefined);
      if (!image || image.tags.some((t) => t !== '<none>:<none>')) continue;
      // After an abort the engine is still removing the step's container, which holds the image for a moment.
      for (let attempt = 0; attempt < 40; attempt++) {
        try {
          await this.engine.removeImage(image.id);
          break;
        } catch (err) {
          if (!isBerthError(err, 'in_use') || !/container/.test(err.message)) break;
          await new Promise((r) => setTimeout(r, 250));
        }
      }
    }
  }
}
