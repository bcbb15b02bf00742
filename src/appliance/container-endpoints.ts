import { z } from 'zod';
import { failures } from '../errors.js';
import type { Call, Handler } from '../wamp/call.js';
import { parseContainerUri } from '../wamp/uris.js';
import type { KeyedLock } from '../keyed-lock.js';
import type { ContainerRecord } from '../engine/engine.js';
import { audited } from './audit.js';
import { ExecRunner } from './exec.js';
import { requireOwnContainer } from './lookup.js';
import type { OpsContext } from './ops-context.js';
import { parseArgs } from './parse-args.js';
import { replicaLogs, replicaTop, changeReplicas, inspectReplicas } from './replica-ops.js';
import { scale } from './scale.js';
import { imageDict, type ContainerDict } from './shape.js';

export const CONTAINER_OPS = ['exec', 'image', 'inspect', 'logs', 'restart', 'scale', 'start', 'stop', 'top'] as const;
type Op = (typeof CONTAINER_OPS)[number];
/** The operations that change something: audited; exec runs a command, so it is audited too. */
const CHANGES: ReadonlySet<Op> = new Set(['start', 'stop', 'restart', 'exec', 'scale']);
const isOp = (op: string): op is Op => (CONTAINER_OPS as readonly string[]).includes(op);

const none = z.object({});
const logsSchema = z.object({
  tail: z.preprocess((v) => v ?? 1000, z.number({ error: 'must be a number' }).int('must be an integer').min(0, 'must be ≥ 0').max(100_000, 'must be ≤ 100000')),
});

/**
 * D/<name>/op for every container, served by one prefix registration `D/` (appliance.ts) whatever the number of
 * containers: a restart or a create costs no REGISTER per container. Each call is dispatched by the URI called; a
 * container the index does not know, an unknown operation or another shape answers `wamp.error.no_such_procedure`, as
 * the router did when each container had registrations of its own. The index is the only record of which exist, so a
 * call right after `D/create` answers, and one right after `D/remove` does not.
 */
export class ContainerEndpoints {
  private readonly execs: ExecRunner;
  private readonly ops: Record<Op, (call: Call, name: string) => Promise<unknown>>;

  constructor(
    private readonly ctx: OpsContext,
    private readonly locks: KeyedLock,
  ) {
    this.execs = new ExecRunner(ctx);
    this.ops = this.operations();
  }

  /** The handler of the prefix registration: `call.procedure` is the concrete `D/<name>/<op>` called. */
  readonly dispatch: Handler = async (call) => {
    const { ctx } = this;
    const target = parseContainerUri(ctx.domain, call.procedure);
    if (!target || !isOp(target.op)) throw failures.noProcedure(call.procedure);
    const { name, op } = target;
    if (!ctx.index.getByName(name)) throw failures.noContainerProcedure(call.procedure, name, ctx.domain);
    const run = (c: Call) => this.ops[op](c, name);
    return CHANGES.has(op) ? audited(ctx.log, () => name, run)(call) : run(call);
  };

  /** berth is stopping: kill the running execs (bounded). */
  stop(): Promise<void> {
    return this.execs.stop();
  }

  /**
   * Every operation first knows its caller and answers not_authorized for another owner's container;
   * start/stop/restart/exec also write an audit line (never exec's command: it may hold secrets).
   */
  private operations(): Record<Op, (call: Call, name: string) => Promise<unknown>> {
    const ctx = this.ctx;
    const handlers: Record<Op, (call: Call, own: () => ContainerRecord, name: string) => Promise<unknown>> = {
      exec: (call, own, name) => this.execs.run(call, name, own),
      image: async (call, own, name) => {
        parseArgs(call, [], none);
        const image = await ctx.engine.fetchImage(own().imageId);
        if (!image) throw failures.imageGone(name);
        return imageDict(image, ctx.builder.registry?.registry);
      },
      inspect: async (call, own, name) => {
        parseArgs(call, [], none);
        return inspectReplicas(ctx, name, own);
      },
      logs: async (call, own) => {
        const { tail } = parseArgs(call, ['tail'], logsSchema);
        return replicaLogs(ctx, own, tail);
      },
      scale: (call, own) => scale(ctx, this.locks, call, own),
      start: (call, own) => this.change(call, own, (id) => ctx.engine.startContainer(id)),
      stop: (call, own) => this.change(call, own, (id) => ctx.engine.stopContainer(id, ctx.sandbox.stopTimeout)),
      restart: (call, own) => this.change(call, own, (id) => ctx.engine.restartContainer(id, ctx.sandbox.stopTimeout)),
      top: async (call, own) => {
        parseArgs(call, [], none);
        return replicaTop(ctx, own);
      },
    };
    const withOwner = (op: Op) => (call: Call, name: string) => {
      const caller = ctx.callers.identify(call);
      return handlers[op](call, () => requireOwnContainer(ctx, caller, name), name);
    };
    return Object.fromEntries(CONTAINER_OPS.map((op) => [op, withOwner(op)])) as Record<Op, (call: Call, name: string) => Promise<unknown>>;
  }

  /** start/stop/restart of every replica: one operation per name at a time (as create and remove), then the state after. */
  private async change(call: Call, own: () => ContainerRecord, fn: (id: string) => Promise<void>): Promise<ContainerDict> {
    parseArgs(call, [], none);
    const { name } = own();
    return this.locks.run(name, async () => {
      own();
      return changeReplicas(this.ctx, name, fn);
    });
  }
}
