import { z } from 'zod';
import { failures } from '../errors.js';
import type { Call, Handler } from '../wamp/call.js';
import { buildName } from './names.js';
import type { OpsContext } from './ops-context.js';
import { parseArgs } from './parse-args.js';

/**
 * D/cancelBuild(name): stop a running or queued build; answers within 1 s (the build call fails with canceled once it
 * has cleaned up). Another owner's build is not_authorized.
 */
export function cancelBuildProcedure(ctx: OpsContext): Handler {
  const schema = z.object({ name: buildName });
  return async (call: Call) => {
    const caller = ctx.callers.identify(call);
    const { name } = parseArgs(call, ['name'], schema);
    const running = ctx.builds.get(name);
    if (running && !ctx.callers.owns(caller, running.owner)) throw failures.notYours('build', name, ctx.domain);
    if (!running || !(await ctx.builder.cancel(name))) {
      throw failures.noBuild(name, ctx.domain);
    }
    return { name, canceled: true };
  };
}
