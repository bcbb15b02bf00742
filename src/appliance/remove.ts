import { z } from 'zod';
import { BerthError, failures, isBerthError } from '../errors.js';
import type { Call, Handler } from '../wamp/call.js';
import type { ApplianceContext } from './context.js';
import { containerDomain } from '../wamp/uris.js';
import { findReleases, requireOwnContainer, requireOwnImage } from './lookup.js';
import { newestFirst } from '../pipeline/releases.js';
import { containerName, imageName } from './names.js';
import type { OpsContext } from './ops-context.js';
import { parseArgs } from './parse-args.js';
import { itemOwner } from '../tenancy/callers.js';
import { removeContainer } from './remove-container.js';
import { removeReplicas } from './replicas.js';
import { domainVolumes } from './container-volumes.js';

/**
 * D/remove(name, removeVolumes=false): stop (gracefully) if running, remove (every replica), and take its endpoints away before
 * answering. Removes of one name run one after another: the first wins, the others find nothing (not_found). The
 * container's sessions on the fabric are ended with it: its ticket died with it. Its volumes are kept for a
 * container of the same name and owner to re-attach, unless removeVolumes: then, after the container, every volume of
 * that name and the container's owner goes too.
 */
export function removeProcedure(ctx: OpsContext): Handler {
  const schema = z.object({ name: containerName, removeVolumes: z.preprocess((v) => v ?? false, z.boolean({ error: 'must be a boolean' })) });
  return async (call: Call) => {
    const caller = ctx.callers.identify(call);
    const { name, removeVolumes } = parseArgs(call, ['name', 'removeVolumes'], schema);
    requireOwnContainer(ctx, caller, name);
    return ctx.locks.run(name, async () => {
      const record = requireOwnContainer(ctx, caller, name);
      // Every replica: those beyond the first (highest first), then the first, whose going takes the endpoints away.
      await removeReplicas(ctx, ctx.index.getReplicas(name).filter((r) => r.id !== record.id));
      await removeContainer(ctx, record);
      await ctx.tenancy.revokeSessions(containerDomain(ctx.domain, name));
      if (!removeVolumes) return { name, removed: true };
      const owner = itemOwner(record.labels);
      const volumes = (await domainVolumes(ctx, name)).filter((v) => itemOwner(v.labels) === owner).map((v) => v.name);
      for (const volume of volumes) await ctx.engine.removeVolume(volume);
      return { name, removed: true, volumes };
    });
  };
}

/**
 * D/removeImage(imageName): the caller's own image with every kept release of it (releases); refused, with nothing
 * removed, while any container, running or stopped, uses any of them. With config `registry`, the name's
 * manifests in the registry go too, after the local images: the answer's `registry` says whether they did (a registry
 * that is down or refuses does not undo or block the local removal; it is said there and logged).
 */
export function removeImageProcedure(ctx: OpsContext): Handler {
  const schema = z.object({ imageName });
  return async (call: Call) => {
    const caller = ctx.callers.identify(call);
    const { imageName: name } = parseArgs(call, ['imageName'], schema);
    const image = await requireOwnImage(ctx, caller, name);
    const releases = await findReleases(ctx, name);
    const users = (await Promise.all(releases.map((i) => ctx.engine.fetchContainersUsingImage(i.id)))).flat();
    if (users.length > 0) throw inUse(ctx, name, [...new Set(users)]);
    // The older releases first and the current one last: a removal the engine refuses leaves the name usable.
    const { registry } = ctx.builder;
    for (const i of [...newestFirst(releases).filter((r) => r.id !== image.id), image]) {
      try {
        if (registry) await registry.removeLocal(i, name);
        else await ctx.engine.removeImage(i.id);
      } catch (err) {
        if (isBerthError(err, 'not_found')) continue;
        if (isBerthError(err, 'in_use')) throw new BerthError('in_use', `image "${name}" cannot be removed: ${err.message}`, { name }, { cause: err });
        throw err;
      }
    }
    ctx.events.imageRemoved(name, itemOwner(image.labels));
    if (!registry) return { name, removed: true };
    return { name, removed: true, registry: await registry.removeName(name, releases) };
  };
}

function inUse(ctx: ApplianceContext, name: string, ids: string[]): BerthError {
  const containers = ids.map((id) => ctx.index.getAllReplicas().find((c) => c.id === id)?.name ?? id.slice(0, 12));
  return failures.imageInUse(name, containers);
}
