import { z } from 'zod';
import { environmentSchema } from '../container-environment.js';
import type { Call, Handler } from '../wamp/call.js';
import { alreadyExists, createContainer } from './create-container.js';
import { requireImage } from './lookup.js';
import { containerName, imageName } from './names.js';
import type { OpsContext } from './ops-context.js';
import { parseArgs } from './parse-args.js';
import { resourcesSchema, sandboxFor } from './sandbox.js';
import { containerDict } from './shape.js';

const schema = z.object({
  image: imageName,
  name: containerName,
  environment: z.preprocess((v) => v ?? {}, environmentSchema),
  resources: z.preprocess((v) => v ?? {}, resourcesSchema),
});

/**
 * D/create(image, name, environment={}, resources={}): create and start a sandboxed container on the domain's network;
 * its endpoints exist when this returns. All or nothing.
 */
export function createProcedure(ctx: OpsContext): Handler {
  return async (call: Call) => {
    const { image, name, environment, resources } = parseArgs(call, ['image', 'name', 'environment', 'resources'], schema);
    const sandbox = sandboxFor(ctx.sandbox, resources);
    ctx.index.assertAvailable();
    if (ctx.index.getByName(name)) throw alreadyExists(ctx, name);
    return ctx.locks.run(name, async () => {
      ctx.index.assertAvailable();
      const img = await requireImage(ctx, image);
      return containerDict(await createContainer(ctx, { name, image: img, environment, sandbox }));
    });
  };
}
