import type { ContainerRecord } from '../engine/engine.js';
import { engineContainerName, LABELS } from '../engine/labels.js';
import type { OpsContext } from './ops-context.js';

/**
 * Before berth answers calls: finish or undo what a berth killed in the middle of an operation left behind.
 * - a container berth created (label berth.origin) that never started (killed between create and start): removed, as
 *   if create had failed; one made out-of-band and never started is left alone;
 * - a replacement still under its temporary name: removed if the container it replaces is still there (the swap had not
 *   begun), else renamed to `D.<name>` and started (the old one was already gone, so the swap is finished).
 * Returns what it did, one line each.
 */
export async function recoverContainers(ctx: OpsContext): Promise<string[]> {
  const ids = await ctx.engine.fetchContainerIds(ctx.domain);
  const records = (await Promise.all(ids.map((id) => ctx.engine.fetchContainer(id)))).filter(
    (r): r is ContainerRecord => r !== undefined && r.domain === ctx.domain,
  );
  const canonical = (r: ContainerRecord) => r.engineName === engineContainerName(ctx.domain, r.name);
  const named = new Set(records.filter(canonical).map((r) => r.name));
  const done: string[] = [];
  for (const r of records) {
    if (r.labels[LABELS.replaces] && !canonical(r)) {
      if (named.has(r.name)) {
        await ctx.engine.removeContainer(r.id);
        done.push(`removed the unfinished replacement of container "${r.name}"`);
      } else {
        await ctx.engine.renameContainer(r.id, engineContainerName(ctx.domain, r.name));
        if (r.state !== 'running') await ctx.engine.startContainer(r.id);
        named.add(r.name);
        done.push(`finished the replacement of container "${r.name}"`);
      }
    } else if (r.state === 'created' && r.startedAt === null && r.labels[LABELS.origin] === 'berth') {
      await ctx.engine.removeContainer(r.id);
      done.push(`removed container "${r.name}", created but never started`);
    }
  }
  for (const line of done) ctx.log.warn({ recovered: line }, 'recovered from an interrupted operation');
  return done;
}
