import type { ContainerRecord, ImageRecord } from '../engine/engine.js';
import { LABELS } from '../engine/labels.js';
import { RESERVED_ENV } from '../container-environment.js';
import { failures } from '../errors.js';
import { itemOwner, type Caller } from '../tenancy/callers.js';
import type { OpsContext } from './ops-context.js';
import { replaceContainer } from './replace-container.js';
import { sandboxFor } from './sandbox.js';

/**
 * Move the containers created from image name `name` onto `image` (updateImage with updateContainers, and rollback):
 * each one not already on it is replaced (replace-container.ts: the new one runs before the old one goes) with the same
 * name, the environment its creator gave, the same limits (within today's caps), owner and ticket. Only containers the
 * caller may manage are moved (another owner's may use an admin's image); each replacement keeps its owner. One
 * container at a time, under its name's lock; the first that fails stops the loop with its error (those moved stay moved).
 * Returns the names moved; `say` gets one line per container.
 */
export async function moveContainers(ctx: OpsContext, caller: Caller, name: string, image: ImageRecord, say: (line: string) => void, what = 'the new image'): Promise<string[]> {
  ctx.index.assertAvailable();
  const users = ctx.index.getAll().filter((c) => c.image === name && c.imageId !== image.id && ctx.callers.owns(caller, itemOwner(c.labels)));
  // A rolling replacement across replicas is a later step: refused before anything moves, rather than leaving replicas on two images.
  const scaled = users.filter((c) => ctx.index.getReplicas(c.name).length > 1).map((c) => c.name);
  if (scaled.length > 0) throw failures.replicasNotMoved(scaled);
  const images = new Map<string, ImageRecord | undefined>();
  const moved: string[] = [];
  for (const user of users) {
    const replaced = await ctx.locks.run(user.name, async () => {
      const c = ctx.index.getByName(user.name);
      if (!c || c.id !== user.id) return false; // removed or replaced meanwhile
      // The defaults of the image the container runs now are dropped from its environment, so the new image's apply.
      if (!images.has(c.imageId)) images.set(c.imageId, await ctx.engine.fetchImage(c.imageId));
      const environment = callerEnvironment(c, images.get(c.imageId) ?? { env: [], labels: {} });
      await replaceContainer(ctx, c, { image, environment, sandbox: sandboxFor(ctx.sandbox, resourcesOf(ctx, c)) });
      return true;
    });
    if (!replaced) continue;
    moved.push(user.name);
    say(`replaced container ${user.name} with one on ${what}`);
  }
  return moved;
}

/**
 * What the creator of a container passed as `environment`: its variables minus those berth sets and minus those equal
 * to the image's own defaults (its Env and Run.yaml Env), so the new image's defaults apply to the recreated container.
 */
export function callerEnvironment(c: ContainerRecord, image: Pick<ImageRecord, 'env' | 'labels'>): Record<string, string> {
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
export function resourcesOf(ctx: OpsContext, c: ContainerRecord): Record<string, number> {
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
