import { z } from 'zod';
import type { Call, Handler } from '../wamp/call.js';
import { itemOwner } from '../tenancy/callers.js';
import type { OpsContext } from './ops-context.js';
import { parseArgs } from './parse-args.js';
import { containerDict, imageDict } from './shape.js';

const none = z.object({});

/** D/list(): the caller's containers of this domain (an admin's: all), from the in-memory index. */
export function listProcedure(ctx: OpsContext): Handler {
  return async (call: Call) => {
    const caller = ctx.callers.identify(call);
    parseArgs(call, [], none);
    ctx.index.assertAvailable();
    return ctx.index
      .getAll()
      .filter((c) => ctx.callers.owns(caller, itemOwner(c.labels)))
      .sort((a, b) => a.name.localeCompare(b.name))
      .map(containerDict);
  };
}

/** D/images(): the caller's images labelled with this domain (an admin's: all). */
export function imagesProcedure(ctx: OpsContext): Handler {
  return async (call: Call) => {
    const caller = ctx.callers.identify(call);
    parseArgs(call, [], none);
    const images = (await ctx.engine.fetchImages(ctx.domain)).filter((i) => ctx.callers.owns(caller, itemOwner(i.labels)));
    return images.sort((a, b) => a.name.localeCompare(b.name) || b.created.localeCompare(a.created)).map(imageDict);
  };
}
