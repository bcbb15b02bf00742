import type { ContainerRecord } from '../engine/engine.js';
import { engineContainerName, LABELS, replacementEngineName } from '../engine/labels.js';
import { itemOwner } from '../tenancy/callers.js';
import type { NewContainer } from './container-spec.js';
import { discard, startNewContainer } from './create-container.js';
import type { OpsContext } from './ops-context.js';

const TICKET_VAR = 'WAMP_TICKET=';

/**
 * Move a container to a new image without a moment in which neither runs: the replacement is created and started under
 * a temporary engine name first; only then is the old one stopped and removed, and the replacement renamed to `D.<name>`.
 * If the replacement cannot be made or started, the old container is untouched and the error is thrown. The caller
 * holds the name's lock. A berth killed half-way finishes or undoes the swap when it starts (recover-containers.ts).
 */
export async function replaceContainer(ctx: OpsContext, old: ContainerRecord, next: Omit<NewContainer, 'replaces' | 'name' | 'owner' | 'ticket'>): Promise<ContainerRecord> {
  const temporary = replacementEngineName(ctx.domain, old.name);
  // A leftover of an earlier attempt under the temporary name would block this one.
  const leftover = await ctx.engine.fetchContainer(temporary);
  if (leftover && leftover.domain === ctx.domain) await ctx.engine.removeContainer(leftover.id);
  // The replacement is the same container to the fabric: the same owner and the same ticket (issue 9), so a session it
  // joins with is never revoked by the swap.
  const owner = { owner: itemOwner(old.labels), role: old.labels[LABELS.ownerRole] ?? '' };
  const ticket = old.env.find((kv) => kv.startsWith(TICKET_VAR))?.slice(TICKET_VAR.length) || undefined;
  const id = await startNewContainer(ctx, { ...next, name: old.name, owner, ticket, replaces: { id: old.id, engineName: temporary } });
  try {
    if (old.state === 'running' || old.state === 'restarting') await ctx.engine.stopContainer(old.id, ctx.sandbox.stopTimeout);
    await ctx.engine.removeContainer(old.id);
  } catch (err) {
    await discard(ctx, id);
    throw err;
  }
  await ctx.engine.renameContainer(id, engineContainerName(ctx.domain, old.name));
  await ctx.index.refresh(id);
  ctx.index.forget(old.id);
  await ctx.endpoints.settled(old.name).catch((err: unknown) => ctx.log.error({ err, name: old.name }, 'the endpoints of a replaced container could not be registered'));
  return ctx.index.getByName(old.name) ?? (await ctx.engine.fetchContainer(id))!;
}
