import type { ContainerRecord } from '../engine/engine.js';
import { BerthError, isBerthError } from '../errors.js';
import { awaitReplacement } from './await-replacement.js';
import { engineContainerName, LABELS, replacementEngineName } from '../engine/labels.js';
import { itemOwner } from '../tenancy/callers.js';
import { containerSpec, type NewContainer } from './container-spec.js';
import { discard, startNewContainer } from './create-container.js';
import type { OpsContext } from './ops-context.js';

const TICKET_VAR = 'WAMP_TICKET=';

/**
 * Move a container to a new image without a moment in which neither runs: the replacement is created and started under
 * a temporary engine name first and must prove itself (await-replacement.ts: healthy when its image has a health check,
 * else running `update.settleSeconds` without exiting or restarting); only then is the old one stopped and removed, and
 * the replacement renamed to `D.<name>`. If the replacement cannot start, exits, restarts, is unhealthy or runs out of
 * time, it is removed, the old container is untouched (same ID, still running) and `replacement_failed` says why. The
 * caller holds the name's lock. A berth killed half-way finishes or undoes the swap when it starts (recover-containers.ts:
 * a replacement whose old container is still there is undone, so one never confirmed is never promoted).
 */
export async function replaceContainer(ctx: OpsContext, old: ContainerRecord, next: Omit<NewContainer, 'replaces' | 'name' | 'owner' | 'ticket'>): Promise<ContainerRecord> {
  // The replacement is the same container to the fabric: the same owner and the same ticket, so a session it
  // joins with is never revoked by the swap.
  const owner = { owner: itemOwner(old.labels), role: old.labels[LABELS.ownerRole] ?? '' };
  const ticket = old.env.find((kv) => kv.startsWith(TICKET_VAR))?.slice(TICKET_VAR.length) || undefined;
  // The image's health check decides how the replacement is confirmed; read it unless the caller's record has it.
  const image = next.image.healthcheck === undefined ? ((await ctx.engine.fetchImage(next.image.id)) ?? next.image) : next.image;
  if (ctx.engine.updateContainer) return updateInPlace(ctx, old, { ...next, image, name: old.name, owner, ticket });
  const temporary = replacementEngineName(ctx.domain, old.name);
  // A leftover of an earlier attempt under the temporary name would block this one.
  const leftover = await ctx.engine.fetchContainer(temporary);
  if (leftover && leftover.domain === ctx.domain) await ctx.engine.removeContainer(leftover.id);
  let id: string;
  try {
    id = await startNewContainer(ctx, { ...next, image, name: old.name, owner, ticket, replaces: { id: old.id, engineName: temporary } });
  } catch (err) {
    if (isBerthError(err) && err.code !== 'internal') throw err; // engine unavailable, name taken: not the replacement's fault
    throw new BerthError('replacement_failed', `replacing container "${old.name}" failed: the replacement could not start: ${(err as Error).message}; the old container keeps running`, {
      name: old.name,
      reason: `the replacement could not start: ${(err as Error).message}`,
      exitCode: null,
      health: null,
      healthCheck: null,
      logs: [],
    }, { cause: err });
  }
  try {
    await awaitReplacement(ctx, id, old.name, image.healthcheck ?? null, ctx.update.settleSeconds * 1000);
  } catch (err) {
    await discard(ctx, id);
    throw err;
  }
  try {
    await ctx.engine.setRestartPolicy?.(id, next.sandbox.restartPolicy);
    if (old.state === 'running' || old.state === 'restarting') await ctx.engine.stopContainer(old.id, ctx.sandbox.stopTimeout);
    await ctx.engine.removeContainer(old.id);
  } catch (err) {
    await discard(ctx, id);
    throw err;
  }
  await ctx.engine.renameContainer(id, engineContainerName(ctx.domain, old.name));
  await ctx.index.refresh(id);
  ctx.index.forget(old.id);
  return ctx.index.getByName(old.name) ?? (await ctx.engine.fetchContainer(id))!;
}

/**
 * On a swarm a service cannot be renamed, so there is no replacement under a temporary name: the service
 * itself moves to the new spec by Swarm's rolling update, start-first, and Swarm rolls it back if the new task does not
 * run (or is not healthy) within the confirmation time (the health check's bound, at least `update.settleSeconds`).
 */
async function updateInPlace(ctx: OpsContext, old: ContainerRecord, next: NewContainer): Promise<ContainerRecord> {
  const hc = next.image.healthcheck ?? null;
  const healthMs = hc ? hc.startPeriodMs + hc.intervalMs * hc.retries + hc.timeoutMs + 1000 : 0;
  const spec = containerSpec(ctx, next, await ctx.network());
  await ctx.engine.updateContainer!(old.id, spec, Math.max(ctx.update.settleSeconds * 1000, healthMs));
  await ctx.index.refresh(old.id);
  return ctx.index.getByName(old.name) ?? (await ctx.engine.fetchContainer(old.id))!;
}
