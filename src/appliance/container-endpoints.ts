import { z } from 'zod';
import { BerthError } from '../errors.js';
import type { Call, Handler } from '../wamp/call.js';
import { containerUri } from '../wamp/uris.js';
import type { ApplianceContext } from './context.js';
import { requireContainer } from './lookup.js';
import { parseArgs } from './parse-args.js';
import { containerDetails, containerDict, imageDict } from './shape.js';

export const CONTAINER_OPS = ['image', 'inspect', 'logs', 'restart', 'start', 'stop', 'top'] as const;
type Op = (typeof CONTAINER_OPS)[number];

const none = z.object({});
const logsSchema = z.object({
  tail: z.preprocess((v) => v ?? 1000, z.number({ error: 'must be a number' }).int('must be an integer').min(0, 'must be ≥ 0').max(100_000, 'must be ≤ 100000')),
});

/** D/<name>/op for every container: registered while the container exists. */
export class ContainerEndpoints {
  constructor(private readonly ctx: ApplianceContext) {}

  async add(name: string): Promise<void> {
    await Promise.all(CONTAINER_OPS.map((op) => this.ctx.session.register(containerUri(this.ctx.domain, name, op), this.handler(name, op))));
  }

  async drop(name: string): Promise<void> {
    await Promise.all(CONTAINER_OPS.map((op) => this.ctx.session.unregister(containerUri(this.ctx.domain, name, op))));
  }

  private handler(name: string, op: Op): Handler {
    const ctx = this.ctx;
    const after = async (id: string) => {
      await ctx.index.refresh(id);
      return containerDict(requireContainer(ctx, name));
    };
    const handlers: Record<Op, Handler> = {
      image: async (call) => {
        parseArgs(call, [], none);
        const c = requireContainer(ctx, name);
        const image = await ctx.engine.fetchImage(c.imageId);
        if (!image) throw new BerthError('not_found', `the image of container "${name}" no longer exists`, { name });
        return imageDict(image);
      },
      inspect: async (call) => {
        parseArgs(call, [], none);
        const c = requireContainer(ctx, name);
        await ctx.index.refresh(c.id);
        return containerDetails(requireContainer(ctx, name));
      },
      logs: async (call) => {
        const { tail } = parseArgs(call, ['tail'], logsSchema);
        return ctx.engine.fetchLogs(requireContainer(ctx, name).id, tail);
      },
      start: async (call) => {
        parseArgs(call, [], none);
        const c = requireContainer(ctx, name);
        await ctx.engine.startContainer(c.id);
        return after(c.id);
      },
      stop: async (call) => {
        parseArgs(call, [], none);
        const c = requireContainer(ctx, name);
        await ctx.engine.stopContainer(c.id, ctx.sandbox.stopTimeout);
        return after(c.id);
      },
      restart: async (call) => {
        parseArgs(call, [], none);
        const c = requireContainer(ctx, name);
        await ctx.engine.restartContainer(c.id, ctx.sandbox.stopTimeout);
        return after(c.id);
      },
      top: (call) => top(ctx, name, call),
    };
    return handlers[op];
  }
}

async function top(ctx: ApplianceContext, name: string, call: Call) {
  parseArgs(call, [], none);
  const c = requireContainer(ctx, name);
  if (c.state !== 'running') {
    return { cpuPercent: 0, memoryUsage: 0, memoryLimit: c.resources.memory ?? 0, pids: 0, processes: [] };
  }
  const [usage, table] = await Promise.all([ctx.engine.fetchUsage(c.id), ctx.engine.fetchProcesses(c.id)]);
  const processes = table.processes.map((row) => Object.fromEntries(table.titles.map((t, i) => [t, row[i] ?? ''])));
  return { ...usage, processes };
}
