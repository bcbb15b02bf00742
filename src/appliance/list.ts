import { z } from 'zod';
import type { Call, Handler } from '../wamp/call.js';
import type { ApplianceContext } from './context.js';
import { parseArgs } from './parse-args.js';
import { containerDict, imageDict } from './shape.js';

const none = z.object({});

/** D/list(): every container of this domain, from the in-memory index. */
export function listProcedure(ctx: ApplianceContext): Handler {
  return async (call: Call) => {
    parseArgs(call, [], none);
    ctx.index.assertAvailable();
    return ctx.index
      .getAll()
      .sort((a, b) => a.name.localeCompare(b.name))
      .map(containerDict);
  };
}

/** D/images(): every image labelled with this domain. */
export function imagesProcedure(ctx: ApplianceContext): Handler {
  return async (call: Call) => {
    parseArgs(call, [], none);
    const images = await ctx.engine.fetchImages(ctx.domain);
    return images.sort((a, b) => a.name.localeCompare(b.name) || b.created.localeCompare(a.created)).map(imageDict);
  };
}
