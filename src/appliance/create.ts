import { z } from 'zod';
import { BerthError, isBerthError } from '../errors.js';
import type { ImageRecord } from '../engine/engine.js';
import { engineContainerName, LABELS } from '../engine/labels.js';
import { singleFlight } from '../single-flight.js';
import type { Call, Handler } from '../wamp/call.js';
import { containerDomain } from '../wamp/uris.js';
import type { ContainerEndpoints } from './container-endpoints.js';
import { HOST_ALIAS } from '../container-router-url.js';
import type { ApplianceContext } from './context.js';
import { environmentSchema, toEnvList } from '../container-environment.js';
import { requireImage } from './lookup.js';
import { domainNetwork, resourcesSchema, sandboxFor } from './sandbox.js';
import { containerName, imageName } from './names.js';
import { parseArgs } from './parse-args.js';
import { containerDict } from './shape.js';

const schema = z.object({
  image: imageName,
  name: containerName,
  environment: z.preprocess((v) => v ?? {}, environmentSchema),
  resources: z.preprocess((v) => v ?? {}, resourcesSchema),
});

/**
 * D/create(image, name, environment={}, resources={}): create and start a sandboxed container on the domain's network;
 * its endpoints exist when this returns.
 */
export function createProcedure(ctx: ApplianceContext, endpoints: ContainerEndpoints): Handler {
  // Concurrent creates share one look-up (and at most one creation) of the domain's network.
  const ensureNetwork = singleFlight(() => ctx.engine.ensureNetwork(domainNetwork(ctx.domain), { [LABELS.domain]: ctx.domain }, ctx.sandbox.isolate));
  return async (call: Call) => {
    const { image, name, environment, resources } = parseArgs(call, ['image', 'name', 'environment', 'resources'], schema);
    const sandbox = sandboxFor(ctx.sandbox, resources);
    ctx.index.assertAvailable();
    if (ctx.index.getByName(name)) throw alreadyExists(ctx, name);
    const img = await requireImage(ctx, image);
    const network = await ensureNetwork();
    const env = [
      // Run.yaml's Env (recorded on the image) is the default layer; the caller's environment overrides it.
      ...toEnvList({ ...imageEnvironment(ctx, img), ...environment }),
      `WS_URL=${ctx.containerRouterUrl}`,
      `DOMAIN=${containerDomain(ctx.domain, name)}`,
      `WAMP_REALM=${ctx.realm}`,
    ];
    let id: string;
    try {
      id = await ctx.engine.createContainer({
        engineName: engineContainerName(ctx.domain, name),
        imageId: img.id,
        env,
        labels: { [LABELS.domain]: ctx.domain, [LABELS.name]: name, [LABELS.image]: img.name },
        extraHosts: [`${HOST_ALIAS}:host-gateway`],
        network,
        sandbox,
      });
    } catch (err) {
      // 409 from create: the engine already has a container of that name (a concurrent create won).
      if (isBerthError(err, 'in_use')) throw alreadyExists(ctx, name);
      throw err;
    }
    try {
      await ctx.engine.startContainer(id);
    } catch (err) {
      // Nothing half-made: a container that cannot start is removed again.
      await ctx.engine.removeContainer(id).catch((e) => ctx.log.error({ err: e, id }, 'cleanup after failed start failed'));
      ctx.index.forget(id);
      throw err;
    }
    await ctx.index.refresh(id);
    const record = ctx.index.getByName(name);
    if (!record) throw new BerthError('internal', `container "${name}" vanished right after it was created`, { name });
    await endpoints.add(name);
    return containerDict(record);
  };
}

function imageEnvironment(ctx: ApplianceContext, image: ImageRecord): Record<string, string> {
  const label = image.labels[LABELS.env];
  if (!label) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(label);
  } catch {
    parsed = undefined;
  }
  const env = environmentSchema.safeParse(parsed);
  if (env.success) return env.data;
  ctx.log.warn({ image: image.name }, `ignoring the malformed ${LABELS.env} label of the image`);
  return {};
}

function alreadyExists(ctx: ApplianceContext, name: string): BerthError {
  return new BerthError('already_exists', `a container "${name}" already exists in domain ${ctx.domain}`, { name });
}
