import type { ContainerRecord, ImageRecord } from '../engine/engine.js';
import { replicaOf } from '../engine/labels.js';
import { BerthError, failures } from '../errors.js';
import { itemOwner } from '../tenancy/callers.js';
import type { NewContainer } from './container-spec.js';
import { discard, startNewContainer } from './create-container.js';
import type { OpsContext } from './ops-context.js';
import { imageVolumePaths } from './volume-name.js';

/**
 * Whether a container of this name on this image may have `replicas` replicas: at most maxReplicas, and only one on a
 * swarm (one service per container; its replica count is a later step) or when the image declares Volumes (a volume
 * belongs to one container). Throws the error that says which.
 */
export function checkReplicas(ctx: OpsContext, name: string, image: ImageRecord, replicas: number): void {
  if (replicas <= 1) return;
  if (replicas > ctx.replicas.max) throw failures.overMaxReplicas(replicas, ctx.replicas.max);
  if (ctx.replicas.swarm) throw failures.notOnSwarm('more than one replica of a container');
  if (imageVolumePaths(image).length > 0) throw failures.replicasWithVolumes(name, image.name);
}

/**
 * Hold quotas.replicas places for these replica numbers of `name` (those beyond each container's first count), checked
 * against what the owner has and what other calls in flight hold, in one synchronous step. Returns the release.
 */
export function holdReplicas(ctx: OpsContext, owner: string, name: string, numbers: readonly number[]): () => void {
  const owned = ctx.index
    .getAllReplicas()
    .filter((c) => itemOwner(c.labels) === owner && replicaOf(c.labels) > 1)
    .map((c) => `${c.name}#${replicaOf(c.labels)}`);
  const releases: (() => void)[] = [];
  const releaseAll = () => releases.forEach((r) => r());
  try {
    for (const i of numbers.filter((n) => n > 1)) releases.push(ctx.replicaHolds.take(owner, `${name}#${i}`, owned, ctx.tenancy.quotas.replicas, 'replicas'));
  } catch (err) {
    releaseAll();
    throw err;
  }
  return releaseAll;
}

/**
 * Create and start these replicas of a container, each like `base` (same image, environment, limits, owner) with its
 * own ticket, REPLICA and engine name. All or nothing: if one fails, those made by this call are removed before the
 * error is thrown. The caller holds the name's lock. Returns the name's replicas afterwards.
 */
export async function addReplicas(ctx: OpsContext, base: Omit<NewContainer, 'replica' | 'ticket' | 'replaces'>, numbers: readonly number[]): Promise<ContainerRecord[]> {
  const made: string[] = [];
  try {
    for (const replica of numbers) {
      const id = await startNewContainer(ctx, { ...base, replica });
      made.push(id);
      await ctx.index.refresh(id);
      const record = ctx.index.getReplicas(base.name).find((r) => r.id === id);
      if (!record) throw new BerthError('internal', `replica ${replica} of container "${base.name}" vanished right after it was created`, { name: base.name, replica });
    }
  } catch (err) {
    for (const id of made.reverse()) await discard(ctx, id);
    throw err;
  }
  return ctx.index.getReplicas(base.name);
}

/**
 * Stop (gracefully) and remove these replicas, highest-numbered first. A replica whose removal fails stays (and is
 * reported by the error); those removed before it stay removed. The caller holds the name's lock.
 */
export async function removeReplicas(ctx: OpsContext, replicas: readonly ContainerRecord[]): Promise<void> {
  for (const r of [...replicas].sort((a, b) => replicaOf(b.labels) - replicaOf(a.labels))) {
    if (r.state === 'running' || r.state === 'restarting') await ctx.engine.stopContainer(r.id, ctx.sandbox.stopTimeout);
    await ctx.engine.removeContainer(r.id);
    ctx.index.forget(r.id);
  }
}

/** The `count` lowest replica numbers the name does not use (after a replica removed out-of-band, its number first). */
export function freeReplicaNumbers(replicas: readonly ContainerRecord[], count: number): number[] {
  const used = new Set(replicas.map((r) => replicaOf(r.labels)));
  const free: number[] = [];
  for (let i = 1; free.length < count; i++) if (!used.has(i)) free.push(i);
  return free;
}
