import { KeyedLock } from '../keyed-lock.js';
import { LABELS } from '../engine/labels.js';
import { singleFlight } from '../single-flight.js';
import type { Handler } from '../wamp/call.js';
import { applianceUri, containerPrefix } from '../wamp/uris.js';
import { Callers, itemOwner } from '../tenancy/callers.js';
import { OwnerReservations } from '../tenancy/owner-reservations.js';
import { argument, audited } from './audit.js';
import { buildProcedure } from './build.js';
import { cancelBuildProcedure } from './cancel-build.js';
import { ContainerEndpoints } from './container-endpoints.js';
import type { ApplianceContext } from './context.js';
import { createProcedure } from './create.js';
import { imagesProcedure, listProcedure } from './list.js';
import { EventsTopic } from './events-topic.js';
import { findImage } from './lookup.js';
import type { OpsContext } from './ops-context.js';
import { recoverContainers } from './recover-containers.js';
import { removeImageProcedure, removeProcedure } from './remove.js';
import { releasesProcedure } from './releases.js';
import { rollbackProcedure } from './rollback.js';
import { RunningBuilds } from './running-builds.js';
import { domainNetwork } from './sandbox.js';
import { updateImageProcedure } from './update-image.js';
import { VolumeQuota } from './volume-quota.js';
import { removeVolumeProcedure, volumesProcedure } from './volumes.js';

/** The Container appliance: its procedures under D, and every container's `D/<name>/op` through one prefix registration. */
export class Appliance {
  private readonly ops: OpsContext;
  private readonly endpoints: ContainerEndpoints;

  constructor(ctx: ApplianceContext) {
    const locks = new KeyedLock();
    const ops: OpsContext = {
      events: new EventsTopic(ctx),
      ...ctx,
      locks,
      // Concurrent creates share one look-up (and at most one creation) of the domain's network.
      network: singleFlight(() => ctx.engine.ensureNetwork(domainNetwork(ctx.domain), { [LABELS.domain]: ctx.domain }, ctx.sandbox.isolate)),
      callers: new Callers({ tenancy: ctx.tenancy, domain: ctx.domain, container: (name) => ctx.index.getByName(name), log: ctx.log }),
      builds: new RunningBuilds(),
      creating: new OwnerReservations(),
      replicaHolds: new OwnerReservations(),
      volumeQuota: new VolumeQuota({ engine: ctx.engine, domain: ctx.domain, size: ctx.sandbox.volumeSize, log: ctx.log }),
    };
    this.endpoints = new ContainerEndpoints(ops, locks);
    this.ops = ops;
  }

  procedures(): Record<string, Handler> {
    const { ops } = this;
    // Every procedure that changes something writes an audit line; list, images and releases only read.
    const audit = (handler: Handler, position: number, key: string) => audited(ops.log, argument(position, key), handler);
    return {
      create: audit(createProcedure(ops), 1, 'name'),
      list: listProcedure(ops),
      images: imagesProcedure(ops),
      remove: audit(removeProcedure(ops), 0, 'name'),
      removeImage: audit(removeImageProcedure(ops), 0, 'imageName'),
      build: audit(buildProcedure(ops), 0, 'name'),
      cancelBuild: audit(cancelBuildProcedure(ops), 0, 'name'),
      updateImage: audit(updateImageProcedure(ops), 0, 'name'),
      volumes: volumesProcedure(ops),
      removeVolume: audit(removeVolumeProcedure(ops), 0, 'name'),
      releases: releasesProcedure(ops),
      rollback: audit(rollbackProcedure(ops), 0, 'name'),
    };
  }

  /**
   * The owner of what the topic `D/build/<name>` carries now: the running build's, else the image's (an image made
   * before owners existed: `anonymous`), else undefined. For the router's authorizer (FabricPolicy.buildOwner).
   */
  async buildOwner(name: string): Promise<string | undefined> {
    const running = this.ops.builds.get(name);
    if (running) return running.owner;
    const image = await findImage(this.ops, name);
    return image ? itemOwner(image.labels) : undefined;
  }

  /**
   * Register the appliance (its procedures exactly, every container's through the prefix `D/`), finish or undo what a
   * killed berth left half-made, then start the index, which alone says which containers' procedures answer. Everything
   * here happens before the session joins, so no call is answered before it is done.
   */
  async start(): Promise<void> {
    const { ops } = this;
    ops.events.start();
    await Promise.all([
      ...Object.entries(this.procedures()).map(([op, h]) => ops.session.register(applianceUri(ops.domain, op), h)),
      ops.session.register(containerPrefix(ops.domain), this.endpoints.dispatch, { match: 'prefix' }),
    ]);
    // Said once at start: whether sandbox.volumeSize is a limit on this engine (if the engine is away, at first need).
    await ops.volumeQuota.enforced().catch(() => undefined);
    let recovered = await this.recover();
    // The engine may be away at start: recover when it first comes back, before anything else happens on it.
    if (!recovered) ops.index.on('available', (up) => void (up && !recovered && this.recover().then((ok) => (recovered = ok))));
    await ops.index.start();
  }

  /** berth is stopping: what runs on behalf of callers (execs) is ended, bounded. */
  stop(): Promise<void> {
    return this.endpoints.stop();
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
