import type { VolumeMount, VolumeRecord } from '../engine/engine.js';
import { LABELS } from '../engine/labels.js';
import { failures } from '../errors.js';
import { itemOwner, ownerLabels } from '../tenancy/callers.js';
import type { NewContainer } from './container-spec.js';
import type { OpsContext } from './ops-context.js';
import { volumeName } from './volume-name.js';

/**
 * Find or make the named volumes a new container mounts, before the container is made. A volume kept from an earlier
 * container of the name is handed over only to a container of the same owner: anyone else's create is refused
 * (not_authorized naming it) before anything is made; so is a volume of that name that berth did not make. Returns the
 * names made now, for the caller to remove if the create fails later; if making one fails, those made are removed.
 */
export async function ensureVolumes(ctx: OpsContext, c: NewContainer, mounts: readonly VolumeMount[]): Promise<string[]> {
  const missing: VolumeMount[] = [];
  for (const m of mounts) {
    const existing = await ctx.engine.fetchVolume(m.name);
    if (!existing) missing.push(m);
    else if (!isVolumeOf(ctx.domain, existing, c.name, m.path) || itemOwner(existing.labels) !== c.owner.owner) {
      throw failures.volumeNotYours(m.name, c.name, ctx.domain);
    }
  }
  const made: string[] = [];
  if (missing.length === 0) return made;
  const size = await ctx.volumeQuota.size();
  try {
    for (const m of missing) {
      const labels = { [LABELS.domain]: ctx.domain, [LABELS.name]: c.name, [LABELS.volumePath]: m.path, ...ownerLabels(c.owner.owner, c.owner.role) };
      await ctx.engine.createVolume(m.name, labels, size);
      made.push(m.name);
    }
  } catch (err) {
    await dropVolumes(ctx, made);
    throw err;
  }
  return made;
}

/** Remove volumes a failed operation made; a failure is logged (D/volumes shows what stays). */
export async function dropVolumes(ctx: OpsContext, names: readonly string[]): Promise<void> {
  for (const name of names) await ctx.engine.removeVolume(name).catch((err: unknown) => ctx.log.error({ err, volume: name }, 'cleanup of a volume failed'));
}

/** Is this berth's volume of container `name` of this domain (at `path`, when given): its labels and its name agree. */
export function isVolumeOf(domain: string, v: VolumeRecord, name?: string, path?: string): boolean {
  const l = v.labels;
  const vPath = l[LABELS.volumePath];
  const vName = l[LABELS.name];
  if (l[LABELS.domain] !== domain || !vPath || !vName) return false;
  if ((name !== undefined && vName !== name) || (path !== undefined && vPath !== path)) return false;
  return v.name === volumeName(domain, vName, vPath);
}

/** berth's volumes of this domain (optionally of one container name). */
export async function domainVolumes(ctx: OpsContext, name?: string): Promise<VolumeRecord[]> {
  return (await ctx.engine.fetchVolumes(ctx.domain)).filter((v) => isVolumeOf(ctx.domain, v, name));
}
