import { z } from 'zod';
import type { ContainerRecord } from '../engine/engine.js';
import { LABELS, replicaOf } from '../engine/labels.js';
import { failures } from '../errors.js';
import type { KeyedLock } from '../keyed-lock.js';
import { itemOwner } from '../tenancy/callers.js';
import type { Call } from '../wamp/call.js';
import { callerEnvironment, resourcesOf } from './move-containers.js';
import type { OpsContext } from './ops-context.js';
import { parseArgs } from './parse-args.js';
import { replicasCount } from './replicas-argument.js';
import { addReplicas, checkReplicas, freeReplicaNumbers, holdReplicas, removeReplicas } from './replicas.js';
import { sandboxFor } from './sandbox.js';
import { containerDict, type ContainerDict } from './shape.js';

const schema = z.object({ replicas: replicasCount });

/**
 * `D/<name>/scale(replicas)`: make the container `replicas` engine containers. Up: the missing replicas are created
 * like replica 1 (the image it runs, the environment its creator gave, its limits within today's caps, its owner), each
 * with its own ticket; all or nothing. Down: the highest-numbered replicas are stopped (gracefully) and removed. One
 * operation per name at a time (as create, remove, start, stop). Answers the container dict afterwards.
 */
export async function scale(ctx: OpsContext, locks: KeyedLock, call: Call, own: () => ContainerRecord): Promise<ContainerDict> {
  const { replicas: wanted } = parseArgs(call, ['replicas'], schema);
  const { name } = own();
  return locks.run(name, async () => {
    const first = own();
    const replicas = ctx.index.getReplicas(name);
    if (wanted > replicas.length) await scaleUp(ctx, first, replicas, wanted);
    else if (wanted < replicas.length) {
      const highest = [...replicas].sort((a, b) => replicaOf(b.labels) - replicaOf(a.labels));
      await removeReplicas(ctx, highest.slice(0, replicas.length - wanted));
    }
    return containerDict(own(), ctx.index.getReplicas(name));
  });
}

async function scaleUp(ctx: OpsContext, first: ContainerRecord, replicas: readonly ContainerRecord[], wanted: number): Promise<void> {
  const image = await ctx.engine.fetchImage(first.imageId);
  if (!image) throw failures.imageGone(first.name);
  checkReplicas(ctx, first.name, image, wanted);
  const owner = itemOwner(first.labels);
  const numbers = freeReplicaNumbers(replicas, wanted - replicas.length);
  const release = holdReplicas(ctx, owner, first.name, numbers);
  try {
    const base = {
      name: first.name,
      image,
      environment: callerEnvironment(first, image),
      sandbox: sandboxFor(ctx.sandbox, resourcesOf(ctx, first)),
      owner: { owner, role: first.labels[LABELS.ownerRole] ?? '' },
    };
    await addReplicas(ctx, base, numbers);
  } finally {
    release();
  }
}
