import { z } from 'zod';
import { BerthError, isBerthError } from '../errors.js';
import type { Call, Handler } from '../wamp/call.js';
import { applianceUri } from '../wamp/uris.js';
import type { ApplianceContext } from './context.js';
import { BUILD_NAME, buildName } from './names.js';
import { parseArgs } from './parse-args.js';
import { imageDict, type ImageDict } from './shape.js';

const schema = z.object({ name: buildName, url: z.string({ error: 'must be a string' }) });

/** D/build(name, url) → every output line; lines also go out as progressive results and on the topic D/build/<name>. */
export function buildProcedure(ctx: ApplianceContext): Handler {
  return async (call: Call) => {
    const { name, url } = parseArgs(call, ['name', 'url'], schema);
    const { lines } = await runBuild(ctx, call, name, url);
    return lines;
  };
}

/** The topic a build's lines and its final event are published on. */
export function buildTopic(ctx: ApplianceContext, name: string): string {
  return applianceUri(ctx.domain, `build/${name}`);
}

/**
 * One build with its live output: each line to the caller (if it asked for progress) and to the topic; a last event on
 * the topic, `{name, status, image?, error?, message?}` as args[0] and as kwargs. A refused second build of a running
 * name (busy) publishes nothing, so the running build's subscribers are not misled.
 */
export async function runBuild(ctx: ApplianceContext, call: Call, name: string, url: string): Promise<{ lines: string[]; image: ImageDict }> {
  // Every caller validated the name already; checked again here because the topic is made from it, and an invalid URI
  // published to Crossbar.io closes berth's session (issue 8, finding 11). Nothing is published before this line.
  if (!BUILD_NAME.test(name)) throw new BerthError('invalid_argument', `"${name}" is not a valid build name`, { name });
  const topic = buildTopic(ctx, name);
  const onLine = (line: string) => {
    call.progress?.(line);
    void ctx.session.publish(topic, [line]);
  };
  const final = (event: Record<string, unknown>) => void ctx.session.publish(topic, [event], event);
  try {
    const { imageId, lines } = await ctx.builder.build(name, url, onLine);
    const record = await ctx.engine.fetchImage(imageId);
    const image = record ? imageDict(record) : imageDict({ id: imageId, name, created: new Date().toISOString(), size: 0, labels: {}, tags: [] });
    final({ name, status: 'succeeded', image });
    return { lines, image };
  } catch (err) {
    if (!isBerthError(err, 'busy')) {
      final({
        name,
        status: isBerthError(err, 'canceled') ? 'canceled' : 'failed',
        error: isBerthError(err) ? err.uri : 'berth.error.internal',
        message: isBerthError(err) ? err.message : 'internal error',
      });
    }
    throw err;
  }
}
