import type { ContainerRecord } from '../engine/engine.js';
import type { OpsContext } from './ops-context.js';

/**
 * Stop (gracefully) if running, remove, and forget: from then on calls to `D/<name>/…` answer no_such_procedure. The
 * caller holds the name's lock.
 */
export async function removeContainer(ctx: OpsContext, record: ContainerRecord): Promise<void> {
  if (record.state === 'running' || record.state === 'restarting') await ctx.engine.stopContainer(record.id, ctx.sandbox.stopTimeout);
  await ctx.engine.removeContainer(record.id);
  ctx.index.forget(record.id);
}
