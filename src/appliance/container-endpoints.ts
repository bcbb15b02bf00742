import { z } from 'zod';
import { failures } from '../errors.js';
import type { Call, Handler } from '../wamp/call.js';
import { containerUri } from '../wamp/uris.js';
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

const none = z.object({});
const logsSchema = z.object({
  tail: z.preprocess((v) => v ?? 1000, z.number({ error: 'must be a number' }).int('must be an integer').min(0, 'must be ≥ 0').max(100_000, 'must be ≤ 100000')),
});

/**
 * D/<name>/op for every container, registered while the container exists. The index's added/removed events are the
 * only driver (appliance.ts); operations that must answer only once the endpoints are there (or gone) wait on `settled`.
 */
export class ContainerEndpoints {
  private readonly latest = new Map<string, Promise<void>>();
  private readonly execs: ExecRunner;

  constructor(
    private readonly ctx: OpsContext,
    private readonly locks: KeyedLock,
  ) {
    this.execs = new ExecRunner(ctx);
  }

  add(name: string): Promise<void> {
    return this.track(name, Promise.all(CONTAINER_OPS.map((op) => this.ctx.session.register(containerUri(this.ctx.domain, name, op), this.handler(name, op)))));
  }

  drop(name: string): Promise<void> {
    return this.track(name, Promise.all(CONTAINER_OPS.map((op) => this.ctx.session.unregister(containerUri(this.ctx.domain, name, op)))));
  }

  /** berth is stopping: kill the running execs (bounded). */
  stop(): Promise<void> {
    return this.execs.stop();
  }

  /** The latest add or drop of this name's endpoints, once it is done; rejects when the router refused a registration. */
  settled(name: string): Promise<void> {
    return this.latest.get(name) ?? Promise.resolve();
  }

  private track(name: string, work: Promise<unknown>): Promise<void> {
    const done = work.then(() => undefined);
    this.latest.set(name, done);
    const forget = () => {
      if (this.latest.get(name) === done) this.latest.delete(name);
    };
    done.then(forget, forget);
    return done;
  }

  /**
   * Every operation first knows its caller and answers not_authorized for another owner's container;
   * start/stop/restart/exec also write an audit line (never exec's command: it may hold secrets).
   */
  private handler(name: string, op: Op): Handler {
    const ctx = this.ctx;
    const handlers: Record<Op, (call: Call, own: () => ContainerRecord) => Promise<unknown>> = {
      exec: (call, own) => this.execs.run(call, name, own),
      image: async (call, own) => {
        parseArgs(call, [], none);
        const image = await ctx.engine.fetchImage(own().imageId);
        if (!image) throw failures.imageGone(name);
        return imageDict(image, ctx.builder.registry?.registry);
      },
      inspect: async (call, own) => {
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
    const handler: Handler = async (call) => {
      const caller = ctx.callers.identify(call);
      return handlers[op](call, () => requireOwnContainer(ctx, caller, name));
    };
    return CHANGES.has(op) ? audited(ctx.log, () => name, handler) : handler;
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
