import type { ContainerRecord } from '../engine/engine.js';
import { BerthError, failures, isBerthError } from '../errors.js';
import { containerSpec, type NewContainer } from './container-spec.js';
import { dropVolumes, ensureVolumes } from './container-volumes.js';
import type { OpsContext } from './ops-context.js';

/**
 * Create and start a container under its own name, known to the index (so its `D/<name>/…` answer). All or nothing: if
 * any step fails (the engine refuses to start it, the view cannot be refreshed), what was made is removed again before
 * the error is thrown. The caller holds the name's lock.
 */
export async function createContainer(ctx: OpsContext, c: NewContainer): Promise<ContainerRecord> {
  if (ctx.index.getByName(c.name)) throw alreadyExists(ctx, c.name);
  const madeVolumes: string[] = [];
  const id = await startNewContainer(ctx, c, madeVolumes);
  try {
    await ctx.index.refresh(id);
    const record = ctx.index.getByName(c.name);
    if (!record || record.id !== id) throw new BerthError('internal', `container "${c.name}" vanished right after it was created`, { name: c.name });
    return record;
  } catch (err) {
    await discard(ctx, id);
    await dropVolumes(ctx, madeVolumes);
    throw err;
  }
}

/**
 * Create and start a container (a new one, or a replacement under its temporary name); nothing is left if it fails.
 * Its volumes are found or made first (container-volumes.ts); the names of those made now are added to `madeVolumes`.
 */
export async function startNewContainer(ctx: OpsContext, c: NewContainer, madeVolumes: string[] = []): Promise<string> {
  const spec = containerSpec(ctx, c, await ctx.network());
  const made = await ensureVolumes(ctx, c, spec.volumes);
  let id: string;
  try {
    id = await ctx.engine.createContainer(spec);
  } catch (err) {
    await dropVolumes(ctx, made);
    // 409 from create: the engine already has a container of that name (made out-of-band, or a leftover).
    if (isBerthError(err, 'in_use')) throw alreadyExists(ctx, c.name);
    throw err;
  }
  try {
    // Known to the index before it runs: the container's process presents its ticket as soon as it starts, and on a
    // swarm the index would otherwise learn of the service only at its next look and refuse the ticket meanwhile.
    await ctx.index.refresh(id);
    await ctx.engine.startContainer(id);
  } catch (err) {
    await discard(ctx, id);
    await dropVolumes(ctx, made);
    throw err;
  }
  madeVolumes.push(...made);
  return id;
}

/** Remove what a failed operation made; a failure here is logged (a restarted berth sweeps it, see recover-containers). */
export async function discard(ctx: OpsContext, id: string): Promise<void> {
  await ctx.engine.removeContainer(id).catch((err: unknown) => ctx.log.error({ err, id }, 'cleanup of a half-made container failed'));
  ctx.index.forget(id);
}

export function alreadyExists(ctx: OpsContext, name: string): BerthError {
  return failures.alreadyExists(name, ctx.domain);
}
