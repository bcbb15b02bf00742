import { z } from 'zod';
import type { VolumeRecord, VolumeUsage } from '../engine/engine.js';
import { LABELS } from '../engine/labels.js';
import { BerthError, failures, isBerthError } from '../errors.js';
import { itemOwner } from '../tenancy/callers.js';
import type { Call, Handler } from '../wamp/call.js';
import { domainVolumes } from './container-volumes.js';
import type { OpsContext } from './ops-context.js';
import { parseArgs } from './parse-args.js';

const none = z.object({});

/** A volume as D/volumes gives it. */
export interface VolumeDict {
  name: string;
  /** The berth name of the container it belongs to (it may be removed: the volume was kept). */
  container: string;
  path: string;
  /** Bytes, from the engine's disk usage; null when the engine does not say. */
  size: number | null;
  owner: string;
  /** A container (running or stopped) mounts it. */
  inUse: boolean;
  created: string | null;
}

/**
 * D/volumes(): the caller's volumes of this domain (an admin's: all), by name. Sizes come from the engine's disk usage
 * (`GET /system/df`, one call for all); without it (an engine that fails it) sizes are null and inUse comes from berth's view.
 */
export function volumesProcedure(ctx: OpsContext): Handler {
  return async (call: Call) => {
    const caller = ctx.callers.identify(call);
    parseArgs(call, [], none);
    const volumes = (await domainVolumes(ctx)).filter((v) => ctx.callers.owns(caller, itemOwner(v.labels)));
    if (volumes.length === 0) return [];
    const usage = await ctx.engine.fetchVolumeUsage().catch((err: unknown) => {
      if (isBerthError(err, 'engine_unavailable')) throw err;
      ctx.log.warn({ err: (err as Error).message }, 'the engine gave no disk usage; volume sizes are unknown');
      return new Map<string, VolumeUsage>();
    });
    return volumes.sort((a, b) => a.name.localeCompare(b.name)).map((v) => volumeDict(ctx, v, usage.get(v.name)));
  };
}

/**
 * D/removeVolume(name): the caller's own volume of this domain; refused with in_use while any container, running or
 * stopped, mounts it, and not_found when it is not one of berth's volumes of this domain. Runs under the lock of the
 * volume's container name, so a create of that name cannot mount it meanwhile.
 */
export function removeVolumeProcedure(ctx: OpsContext): Handler {
  const schema = z.object({ name: z.string({ error: 'must be a string' }).min(1, 'must not be empty').max(512, 'must be at most 512 characters') });
  return async (call: Call) => {
    const caller = ctx.callers.identify(call);
    const { name } = parseArgs(call, ['name'], schema);
    const find = async () => {
      const volume = (await domainVolumes(ctx)).find((v) => v.name === name);
      if (!volume) throw failures.noVolume(name, ctx.domain);
      if (!ctx.callers.owns(caller, itemOwner(volume.labels))) throw new BerthError('not_authorized', `volume "${name}" in domain ${ctx.domain} belongs to another owner`, { name });
      return volume;
    };
    const first = await find();
    return ctx.locks.run(first.labels[LABELS.name]!, async () => {
      await find();
      const users = await ctx.engine.fetchContainersUsingVolume(name);
      if (users.length > 0) throw failures.volumeInUse(name, users.map((c) => c.labels[LABELS.name] ?? c.engineName));
      try {
        await ctx.engine.removeVolume(name);
      } catch (err) {
        if (isBerthError(err, 'in_use')) throw failures.volumeInUse(name, [err.message]);
        throw err;
      }
      return { name, removed: true };
    });
  };
}

function volumeDict(ctx: OpsContext, v: VolumeRecord, usage: VolumeUsage | undefined): VolumeDict {
  const container = v.labels[LABELS.name]!;
  const mounted = () => ctx.index.getAll().some((c) => c.resources.mounts.some((m) => m.startsWith(`volume:${v.name}:`)));
  return {
    name: v.name,
    container,
    path: v.labels[LABELS.volumePath]!,
    size: usage?.size ?? null,
    owner: itemOwner(v.labels),
    inUse: usage?.containers != null ? usage.containers > 0 : mounted(),
    created: v.created || null,
  };
}
