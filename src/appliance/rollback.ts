import { z } from 'zod';
import { failures } from '../errors.js';
import { releaseOf } from '../pipeline/releases.js';
import type { Call, Handler } from '../wamp/call.js';
import { moveContainers } from './move-containers.js';
import { imageName } from './names.js';
import type { OpsContext } from './ops-context.js';
import { parseArgs } from './parse-args.js';
import { requireOwnReleases } from './releases.js';
import { imageDict } from './shape.js';

const schema = z.object({
  name: imageName,
  release: z.number({ error: 'must be an integer (a release number)' }).int('must be an integer (a release number)').min(1, 'must be at least 1').max(999_999_999, 'is too large'),
  updateContainers: z.preprocess((v) => v ?? false, z.boolean({ error: 'must be a boolean' })),
});

/**
 * D/rollback(name, release, updateContainers=false): make a kept release the current one (the tag
 * `berth/<D>:<name>` moves to it, so create uses it); with updateContainers the name's containers move to it as
 * updateImage moves them. A release that does not exist (never built, pruned, removed) is not_found and nothing
 * changes; while a build of the name runs it is busy.
 */
export function rollbackProcedure(ctx: OpsContext): Handler {
  return async (call: Call) => {
    const caller = ctx.callers.identify(call);
    const { name, release, updateContainers } = parseArgs(call, ['name', 'release', 'updateContainers'], schema);
    const { images, current } = await requireOwnReleases(ctx, caller, name);
    const target = images.find((i) => releaseOf(i.labels) === release);
    if (!target) throw failures.noRelease(name, release, ctx.domain);
    if (updateContainers) ctx.index.assertAvailable();
    // Checked last, right before the tag moves (no await between): a build that tags meanwhile would undo the rollback.
    if (ctx.builds.get(name) || ctx.builder.isBuilding(name)) throw failures.buildBusy(name, ctx.domain);
    if (target.id !== current.id) await ctx.builder.makeCurrent(name, target.id);
    const image = (await ctx.engine.fetchImage(target.id)) ?? target;
    const dict = imageDict(image, ctx.builder.registry?.registry);
    ctx.events.imageRollback(dict);
    const say = (line: string) => call.progress?.(line);
    const containers = updateContainers ? await moveContainers(ctx, caller, name, image, say, `release ${release}`) : [];
    return { name, release, image: dict, containers };
  };
}
