import { z } from 'zod';
import { environmentSchema } from '../container-environment.js';
import { failures } from '../errors.js';
import { itemOwner } from '../tenancy/callers.js';
import type { Call, Handler } from '../wamp/call.js';
import { alreadyExists, createContainer } from './create-container.js';
import { requireImage } from './lookup.js';
import { containerName, imageName } from './names.js';
import type { OpsContext } from './ops-context.js';
import { parseArgs } from './parse-args.js';
import { resourcesSchema, sandboxFor } from './sandbox.js';
import { addReplicas, checkReplicas, holdReplicas } from './replicas.js';
import { replicasArgument } from './replicas-argument.js';
import { removeContainer } from './remove-container.js';
import { containerDict } from './shape.js';

const schema = z.object({
  image: imageName,
  name: containerName,
  environment: z.preprocess((v) => v ?? {}, environmentSchema),
  resources: z.preprocess((v) => v ?? {}, resourcesSchema),
  replicas: replicasArgument,
});

/**
 * D/create(image, name, environment={}, resources={}, replicas=1): create and start a sandboxed container on the domain's
 * network, as `replicas` engine containers (replica 1 first); its endpoints exist when this returns. All or nothing. The
 * caller owns it; it may use its own images and images built by an admin role, and may have at most quotas.containers
 * containers and quotas.replicas replicas beyond their first.
 */
export function createProcedure(ctx: OpsContext): Handler {
  return async (call: Call) => {
    const caller = ctx.callers.identify(call);
    const { image, name, environment, resources, replicas } = parseArgs(call, ['image', 'name', 'environment', 'resources', 'replicas'], schema);
    const sandbox = sandboxFor(ctx.sandbox, resources);
    ctx.index.assertAvailable();
    // Names are global per domain: a taken name is already_exists, whoever holds it.
    if (ctx.index.getByName(name)) throw alreadyExists(ctx, name);
    return ctx.locks.run(name, async () => {
      ctx.index.assertAvailable();
      const img = await requireImage(ctx, image);
      if (!ctx.callers.mayUse(caller, img.labels)) throw failures.notYours('image', image, ctx.domain);
      if (ctx.index.getByName(name)) throw alreadyExists(ctx, name);
      checkReplicas(ctx, name, img, replicas);
      // Checked and held in one synchronous step (no await between): concurrent creates of one owner cannot overshoot.
      const owned = ctx.index.getAll().filter((c) => itemOwner(c.labels) === caller.owner).map((c) => c.name);
      const release = ctx.creating.take(caller.owner, name, owned, ctx.tenancy.quotas.containers, 'containers');
      let releaseReplicas = () => undefined as void;
      try {
        const more = Array.from({ length: replicas - 1 }, (_, i) => i + 2);
        releaseReplicas = holdReplicas(ctx, caller.owner, name, more);
        const owner = { owner: caller.owner, role: caller.authrole ?? '' };
        const base = { name, image: img, environment, sandbox, owner };
        const first = await createContainer(ctx, base);
        if (replicas === 1) return containerDict(first, [first]);
        try {
          return containerDict(first, await addReplicas(ctx, base, more));
        } catch (err) {
          await removeContainer(ctx, first).catch((e: unknown) => ctx.log.error({ err: e, name }, 'cleanup of a half-made container failed'));
          throw err;
        }
      } finally {
        releaseReplicas();
        release();
      }
    });
  };
}
