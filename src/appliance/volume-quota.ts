import { randomBytes } from 'node:crypto';
import type { Engine } from '../engine/engine.js';
import { LABELS } from '../engine/labels.js';
import { isBerthError } from '../errors.js';
import type { Logger } from '../log.js';

/**
 * Whether the engine can hold a volume to sandbox.volumeSize. The local driver takes a `size` option only where its
 * data root has project quotas (xfs mounted with pquota); elsewhere (overlay2 over ext4, the common case) it refuses
 * the option, and a volume can grow until the engine's disk is full. Found out once, by creating a probe volume with the
 * option and removing it again; berth warns once when sizes are not enforced.
 */
export class VolumeQuota {
  private probe: Promise<boolean> | undefined;

  constructor(
    private readonly o: { engine: Engine; domain: string; size: number; log: Logger },
  ) {}

  /** The size to ask for when creating a volume: volumeSize where the engine enforces it, else undefined. */
  async size(): Promise<number | undefined> {
    return (await this.enforced()) ? this.o.size : undefined;
  }

  /** Probe once (again after an engine outage: that answer is no answer). */
  enforced(): Promise<boolean> {
    this.probe ??= this.run().catch((err: unknown) => {
      this.probe = undefined;
      throw err;
    });
    return this.probe;
  }

  private async run(): Promise<boolean> {
    const { engine, domain, size, log } = this.o;
    const name = `${domain}.berth-quota-probe-${randomBytes(4).toString('hex')}`;
    try {
      await engine.createVolume(name, { [LABELS.domain]: domain }, size);
    } catch (err) {
      if (isBerthError(err, 'engine_unavailable')) throw err;
      log.warn(
        { volumeSize: size, engine: (err as Error).message },
        'volume sizes are not enforced on this engine (its local volume driver has no quota support): sandbox.volumeSize is not a limit; D/volumes reports each volume\'s size',
      );
      return false;
    }
    await engine.removeVolume(name).catch((err: unknown) => log.error({ err, volume: name }, 'could not remove the quota probe volume'));
    log.info({ volumeSize: size }, 'volume sizes are enforced by the engine (local driver quota)');
    return true;
  }
}
