import { z } from 'zod';
import { BerthError } from '../errors.js';
import { LABELS } from '../engine/labels.js';
import type { Call, Handler } from '../wamp/call.js';
import { imageOwner, runBuild } from './build.js';
import { buildName } from './names.js';
import { requireOwnImage } from './lookup.js';
import { moveContainers } from './move-containers.js';
import type { OpsContext } from './ops-context.js';
import { parseArgs } from './parse-args.js';

export { callerEnvironment } from './move-containers.js';

const schema = z.object({
  name: buildName,
  updateContainers: z.preprocess((v) => v ?? false, z.boolean({ error: 'must be a boolean' })),
});

/**
 * D/updateImage(name, updateContainers=false): rebuild from the recorded URL (with its #ref:subdir). With
 * updateContainers, every container created from that image name is moved to the new image (move-containers.ts), then
 * the releases no container uses any more are pruned (build.keepReleases). Only the image's owner (or an admin) may,
 * and only its own containers are replaced.
 */
export function updateImageProcedure(ctx: OpsContext): Handler {
  return async (call: Call) => {
    const caller = ctx.callers.identify(call);
    const { name, updateContainers } = parseArgs(call, ['name', 'updateContainers'], schema);
    const old = await requireOwnImage(ctx, caller, name);
    const url = old.labels[LABELS.url];
    if (!url) throw new BerthError('invalid_argument', `image "${name}" was not built from a git URL, so it cannot be rebuilt`, { argument: 'name' });
    // The rebuilt image keeps its owner, whoever rebuilds it (an admin may).
    const { lines, image } = await runBuild(ctx, call, caller, name, url, imageOwner(old.labels));
    const say = (line: string) => {
      lines.push(line);
      call.progress?.(line);
    };
    let containers: string[] = [];
    if (updateContainers) {
      const newImage = await ctx.engine.fetchImage(image.id);
      if (!newImage) throw new BerthError('internal', `the image just built for "${name}" is gone`, { name });
      containers = await moveContainers(ctx, caller, name, newImage, say);
      await ctx.builder.pruneReleases(name, say);
    }
    return { name, image, containers, lines };
  };
}
