import { z } from 'zod';
import { failures } from '../errors.js';
import type { Call, Handler } from '../wamp/call.js';
import { buildName } from './names.js';
import type { ApplianceContext } from './context.js';
import { parseArgs } from './parse-args.js';

/** D/cancelBuild(name): stop a running or queued build; answers within 1 s (the build call fails with canceled once it has cleaned up). */
export function cancelBuildProcedure(ctx: ApplianceContext): Handler {
  const schema = z.object({ name: buildName });
  return async (call: Call) => {
    const { name } = parseArgs(call, ['name'], schema);
    if (!(await ctx.builder.cancel(name))) {
      throw failures.noBuild(name, ctx.domain);
    }
    return { name, canceled: true };
  };
}
