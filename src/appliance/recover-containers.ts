import type { ContainerSummary } from '../engine/engine.js';
import { engineContainerName, LABELS } from '../engine/labels.js';
import type { OpsContext } from './ops-context.js';

/**
 * Before berth answers calls: finish or undo what a berth killed in the middle of an operation left behind.
 * - a container berth created (label berth.origin) that never started (killed between create and start): removed, as
 *   if create had failed; one made out-of-band and never started is left alone;
 * - a replacement still under its temporary name: removed if the container it replaces is still there (the swap had not
 *   begun: the old one is stopped only once the replacement is confirmed, so an unconfirmed one is never promoted), else
 *   renamed to `D.<name>` and started (the old one was already gone, so the swap is finished). One exception: an old
 *   container that stopped after its running replacement started was stopped by the swap itself (a berth killed
 *   between stopping and removing it), so that swap is finished too.
 * Returns what it did, one line each.
 */
export async function recoverContainers(ctx: OpsContext): Promise<string[]> {
  // One list request, no inspect per container: start-up does that once more when the index syncs.
  const all = (await ctx.engine.fetchContainerSummaries(ctx.domain)).filter((r) => r.labels[LABELS.domain] === ctx.domain);
  const nameOf = (r: ContainerSummary) => r.labels[LABELS.name] ?? r.engineName;
  const canonical = (r: ContainerSummary) => r.engineName === engineContainerName(ctx.domain, nameOf(r));
  const named = new Set(all.filter(canonical).map(nameOf));
  const done: string[] = [];
  for (const r of all) {
    const name = nameOf(r);
    if (r.labels[LABELS.replaces] && !canonical(r)) {
      const old = named.has(name) ? all.find((o) => canonical(o) && nameOf(o) === name) : undefined;
      if (old && (await swapHadBegun(ctx, old, r))) {
        // Killed after the replacement was confirmed and the old one stopped, before it was removed: finish the swap.
        await ctx.engine.removeContainer(old.id);
        await promote(ctx, r.id, name);
        done.push(`finished the replacement of container "${name}" (its old container was already stopped)`);
      } else if (old) {
        // Never confirmed (the old one still runs, or was stopped before the replacement began): undone, never promoted.
        await ctx.engine.removeContainer(r.id);
        done.push(`removed the unfinished replacement of container "${name}"`);
      } else {
        await promote(ctx, r.id, name);
        if (r.state !== 'running') await ctx.engine.startContainer(r.id);
        named.add(name);
        done.push(`finished the replacement of container "${name}"`);
      }
    } else if (r.state === 'created' && r.labels[LABELS.origin] === 'berth') {
      // "created" is the engine's state for a container that was never started.
      await ctx.engine.removeContainer(r.id);
      done.push(`removed container "${name}", created but never started`);
    }
  }
  for (const line of done) ctx.log.warn({ recovered: line }, 'recovered from an interrupted operation');
  return done;
}

/** A replacement takes its name, and the restart policy it ran without while on probation (container-spec.ts). */
async function promote(ctx: OpsContext, id: string, name: string): Promise<void> {
  await ctx.engine.setRestartPolicy?.(id, ctx.sandbox.restartPolicy);
  await ctx.engine.renameContainer(id, engineContainerName(ctx.domain, name));
}

/**
 * Whether the swap had stopped `old`: it is no longer running, its replacement runs, and it stopped after the replacement
 * started (berth stops the old container only after the replacement is confirmed; one stopped before was stopped by
 * someone else and stays as it was).
 */
async function swapHadBegun(ctx: OpsContext, old: ContainerSummary, replacement: ContainerSummary): Promise<boolean> {
  if (old.state === 'running' || old.state === 'restarting' || replacement.state !== 'running') return false;
  const [o, r] = await Promise.all([ctx.engine.fetchContainer(old.id), ctx.engine.fetchContainer(replacement.id)]);
  if (!o?.finishedAt || !r?.startedAt || r.state !== 'running') return false;
  if (r.health === 'starting' || r.health === 'unhealthy') return false;
  return Date.parse(o.finishedAt) > Date.parse(r.startedAt);
}
