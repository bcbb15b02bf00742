import { KeyedLock } from '../keyed-lock.js';
import { LABELS } from '../engine/labels.js';
import { singleFlight } from '../single-flight.js';
import type { Handler } from '../wamp/call.js';
import { applianceUri } from '../wamp/uris.js';
import { buildProcedure } from './build.js';
import { cancelBuildProcedure } from './cancel-build.js';
import { ContainerEndpoints } from './container-endpoints.js';
import type { ApplianceContext } from './context.js';
import { createProcedure } from './create.js';
import { imagesProcedure, listProcedure } from './list.js';
import type { OpsContext } from './ops-context.js';
import { recoverContainers } from './recover-containers.js';
import { removeImageProcedure, removeProcedure } from './remove.js';
import { domainNetwork } from './sandbox.js';
import { updateImageProcedure } from './update-image.js';

/** The Container appliance: its procedures under D, and per-container endpoints that follow the index. */
export class Appliance {
  private readonly ops: OpsContext;

  constructor(ctx: ApplianceContext) {
    const locks = new KeyedLock();
    this.ops = {
      ...ctx,
      locks,
      endpoints: new ContainerEndpoints(ctx, locks),
      // Concurrent creates share one look-up (and at most one creation) of the domain's network.
      network: singleFlight(() => ctx.engine.ensureNetwork(domainNetwork(ctx.domain), { [LABELS.domain]: ctx.domain }, ctx.sandbox.isolate)),
    };
  }

  procedures(): Record<string, Handler> {
    const { ops } = this;
    return {
      create: createProcedure(ops),
      list: listProcedure(ops),
      images: imagesProcedure(ops),
      remove: removeProcedure(ops),
      removeImage: removeImageProcedure(ops),
      build: buildProcedure(ops),
      cancelBuild: cancelBuildProcedure(ops),
      updateImage: updateImageProcedure(ops),
    };
  }

  /**
   * Register the appliance, finish or undo what a killed berth left half-made, then follow the index: per-container
   * endpoints are added and dropped only from its events. Everything here happens before the session joins, so no
   * call is answered before it is done.
   */
  async start(): Promise<void> {
    const { ops } = this;
    ops.index.on('added', (c) => {
      ops.endpoints.add(c.name).catch((err: unknown) => ops.log.error({ err, name: c.name }, 'registering the endpoints of a container failed'));
    });
    ops.index.on('removed', (c) => {
      if (!ops.index.getByName(c.name)) void ops.endpoints.drop(c.name);
    });
    await Promise.all(Object.entries(this.procedures()).map(([op, h]) => ops.session.register(applianceUri(ops.domain, op), h)));
    let recovered = await this.recover();
    // The engine may be away at start: recover when it first comes back, before anything else happens on it.
    if (!recovered) ops.index.on('available', (up) => void (up && !recovered && this.recover().then((ok) => (recovered = ok))));
    await ops.index.start();
  }

  private async recover(): Promise<boolean> {
    try {
      await recoverContainers(this.ops);
      return true;
    } catch (err) {
      this.ops.log.warn({ err: (err as Error).message }, 'could not check for half-made containers; will retry when the engine is back');
      return false;
    }
  }
}
