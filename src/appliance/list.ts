import { z } from 'zod';
import type { Call, Handler } from '../wamp/call.js';
import { itemOwner } from '../tenancy/callers.js';
import type { OpsContext } from './ops-context.js';
import { parseArgs } from './parse-args.js';
import type { ImageRecord } from '../engine/engine.js';
import { currentOf } from '../pipeline/releases.js';
import { containerDict, imageDict } from './shape.js';

const none = z.object({});

/** D/list(): the caller's containers of this domain (an admin's: all), one per name with its replicas' count, from the in-memory index. */
export function listProcedure(ctx: OpsContext): Handler {
  return async (call: Call) => {
    const caller = ctx.callers.identify(call);
    parseArgs(call, [], none);
    ctx.index.assertAvailable();
    return ctx.index
      .getAll()
      .filter((c) => ctx.callers.owns(caller, itemOwner(c.labels)))
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((c) => containerDict(c, ctx.index.getReplicas(c.name)));
  };
}

/**
 * D/images(): the caller's images labelled with this domain (an admin's: all), one per name: its current release
 * (the kept older releases are D/releases(name)'s).
 */
export function imagesProcedure(ctx: OpsContext): Handler {
  return async (call: Call) => {
    const caller = ctx.callers.identify(call);
    parseArgs(call, [], none);
    const byName = new Map<string, ImageRecord[]>();
    for (const i of await ctx.engine.fetchImages(ctx.domain)) byName.set(i.name, [...(byName.get(i.name) ?? []), i]);
    return [...byName.entries()]
      .map(([name, images]) => currentOf(images, ctx.domain, name)!)
      .filter((i) => ctx.callers.owns(caller, itemOwner(i.labels)))
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((i) => imageDict(i, ctx.builder.registry?.registry));
  };
}
