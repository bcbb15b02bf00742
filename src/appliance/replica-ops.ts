import type { ContainerRecord } from '../engine/engine.js';
import { replicaOf } from '../engine/labels.js';
import { requireContainer } from './lookup.js';
import type { OpsContext } from './ops-context.js';
import { containerDetails, containerDict, type ContainerDict } from './shape.js';

/**
 * start/stop/restart of a container: `fn` on every replica, one after another in replica order (a restart of n replicas
 * leaves n - 1 serving at every moment), then the state after the change. The caller holds the name's lock.
 */
export async function changeReplicas(ctx: OpsContext, name: string, fn: (id: string) => Promise<void>): Promise<ContainerDict> {
  for (const r of ctx.index.getReplicas(name)) {
    await fn(r.id);
    await ctx.index.refresh(r.id);
  }
  return containerDict(requireContainer(ctx, name), ctx.index.getReplicas(name));
}

/** inspect: every replica read again from the engine, then replica 1's details with each replica's state. */
export async function inspectReplicas(ctx: OpsContext, name: string, own: () => ContainerRecord) {
  own();
  await Promise.all(ctx.index.getReplicas(name).map((r) => ctx.index.refresh(r.id)));
  return containerDetails(own(), ctx.index.getReplicas(name));
}

/**
 * logs: a one-replica container's log as before (the last `tail` lines, as one string); with more replicas, each
 * replica's last `tail` lines in replica order, every line prefixed with `[<replica>] ` (still one string).
 */
export async function replicaLogs(ctx: OpsContext, own: () => ContainerRecord, tail: number): Promise<string> {
  const replicas = ctx.index.getReplicas(own().name);
  if (replicas.length <= 1) return ctx.engine.fetchLogs(own().id, tail);
  const logs = await Promise.all(replicas.map((r) => ctx.engine.fetchLogs(r.id, tail)));
  return logs
    .map((text, i) => {
      const prefix = `[${replicaOf(replicas[i]!.labels)}] `;
      const lines = text.split('\n');
      if (lines.at(-1) === '') lines.pop();
      return lines.map((l) => `${prefix}${l}\n`).join('');
    })
    .join('');
}

/**
 * top: replica 1's usage and processes as before (so a one-replica container's answer is unchanged), and with more
 * replicas `replicas`: each one's, with its number.
 */
export async function replicaTop(ctx: OpsContext, own: () => ContainerRecord) {
  const replicas = ctx.index.getReplicas(own().name);
  const first = await topOf(ctx, own());
  if (replicas.length <= 1) return first;
  const each = await Promise.all(replicas.map(async (r) => ({ replica: replicaOf(r.labels), ...(await topOf(ctx, r)) })));
  return { ...first, replicas: each };
}

async function topOf(ctx: OpsContext, c: ContainerRecord) {
  if (c.state !== 'running') {
    return { cpuPercent: 0, memoryUsage: 0, memoryLimit: c.resources.memory ?? 0, pids: 0, processes: [] };
  }
  const [usage, table] = await Promise.all([ctx.engine.fetchUsage(c.id), ctx.engine.fetchProcesses(c.id)]);
  const processes = table.processes.map((row) => Object.fromEntries(table.titles.map((t, i) => [t, row[i] ?? ''])));
  return { ...usage, processes };
}
