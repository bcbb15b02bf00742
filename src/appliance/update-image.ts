import { z } from 'zod';
import { BerthError } from '../errors.js';
import type { ContainerRecord, ImageRecord } from '../engine/engine.js';
import { LABELS } from '../engine/labels.js';
import type { Call, Handler } from '../wamp/call.js';
import { itemOwner } from '../tenancy/callers.js';
import { imageOwner, runBuild } from './build.js';
import { buildName } from './names.js';
import { RESERVED_ENV } from '../container-environment.js';
import { requireOwnImage } from './lookup.js';
import type { OpsContext } from './ops-context.js';
import { parseArgs } from './parse-args.js';
import { replaceContainer } from './replace-container.js';
import { sandboxFor } from './sandbox.js';

const schema = z.object({
  name: buildName,
  updateContainers: z.preprocess((v) => v ?? false, z.boolean({ error: 'must be a boolean' })),
});

/**
 * D/updateImage(name, updateContainers=false): rebuild from the recorded URL (with its #ref:subdir). With
 * updateContainers, every container created from that image name is replaced (replace-container.ts: the new one runs
 * before the old one goes) on the new image, with the same name, the environment its caller gave and the same limits,
 * the same owner and the same ticket. Only the image's owner (or an admin) may, and only its own containers are replaced.
 */
export function updateImageProcedure(ctx: OpsContext): Handler {
  return async (call: Call) => {
    const caller = ctx.callers.identify(call);
    const { name, updateContainers } = parseArgs(call, ['name', 'updateContainers'], schema);
    const old = await requireOwnImage(ctx, caller, name);
    const url = old.labels[LABELS.url];
    if (!url) throw new BerthError('invalid_argument', `image "${name}" was not built from a git URL, so it cannot be rebuilt`, { argument: 'name' });
    const oldImage = (await ctx.engine.fetchImage(old.id)) ?? old;
    // The rebuilt image keeps its owner, whoever rebuilds it (an admin may).
    const { lines, image } = await runBuild(ctx, call, caller, name, url, imageOwner(old.labels));
    const say = (line: string) => {
      lines.push(line);
      call.progress?.(line);
    };
    const containers: string[] = [];
    if (updateContainers) {
      ctx.index.assertAvailable();
      const newImage = await ctx.engine.fetchImage(image.id);
      if (!newImage) throw new BerthError('internal', `the image just built for "${name}" is gone`, { name });
      // Only containers the caller may manage (another's may use an admin's image); each replacement keeps its owner.
      const users = ctx.index.getAll().filter((c) => c.image === name && c.imageId !== image.id && ctx.callers.owns(caller, itemOwner(c.labels)));
      for (const user of users) {
        const replaced = await ctx.locks.run(user.name, async () => {
          const c = ctx.index.getByName(user.name);
          if (!c || c.id !== user.id) return false; // removed or replaced meanwhile
          const environment = callerEnvironment(c, oldImage);
          await replaceContainer(ctx, c, { image: newImage, environment, sandbox: sandboxFor(ctx.sandbox, resourcesOf(ctx, c)) });
          return true;
        });
        if (!replaced) continue;
        containers.push(user.name);
        say(`replaced container ${user.name} with one on the new image`);
      }
      await ctx.builder.removeUnused(name, image.id, say);
    }
    return { name, image, containers, lines };
  };
}

/**
 * What the creator of a container passed as `environment`: its variables minus those berth sets and minus those equal
 * to the image's own defaults (its Env and Run.yaml Env), so the new image's defaults apply to the recreated container.
 */
export function callerEnvironment(c: ContainerRecord, image: ImageRecord): Record<string, string> {
  const defaults = new Map<string, string>((image.env ?? []).map((kv) => split(kv)));
  try {
    for (const [k, v] of Object.entries(JSON.parse(image.labels[LABELS.env] ?? '{}') as Record<string, string>)) defaults.set(k, String(v));
  } catch {
    // a malformed label gives no defaults
  }
  const env: Record<string, string> = {};
  for (const [k, v] of c.env.map(split)) {
    if ((RESERVED_ENV as readonly string[]).includes(k) || defaults.get(k) === v) continue;
    env[k] = v;
  }
  return env;
}

/** The limits the container had, within today's caps (the config may have lowered them since). */
function resourcesOf(ctx: OpsContext, c: ContainerRecord): Record<string, number> {
  const r = c.resources;
  const out: Record<string, number> = {};
  if (r.memory) out.memory = Math.min(r.memory, ctx.sandbox.memory);
  if (r.nanoCpus) out.cpus = Math.min(r.nanoCpus / 1e9, ctx.sandbox.cpus);
  if (r.pidsLimit) out.pids = Math.min(r.pidsLimit, ctx.sandbox.pids);
  return out;
}

function split(kv: string): [string, string] {
  const i = kv.indexOf('=');
  return i < 0 ? [kv, ''] : [kv.slice(0, i), kv.slice(i + 1)];
}
