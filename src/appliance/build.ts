import { z } from 'zod';
import { BerthError, failures, isBerthError } from '../errors.js';
import { buildAudience } from '../tenancy/build-audience.js';
import { itemOwner, ownerLabels, type Caller } from '../tenancy/callers.js';
import type { Call, Handler } from '../wamp/call.js';
import { applianceUri } from '../wamp/uris.js';
import { LABELS } from '../engine/labels.js';
import { findImage } from './lookup.js';
import { BUILD_NAME, buildName } from './names.js';
import type { OpsContext } from './ops-context.js';
import { parseArgs } from './parse-args.js';
import { imageDict, type ImageDict } from './shape.js';

const schema = z.object({ name: buildName, url: z.string({ error: 'must be a string' }) });

/** Whose image a build makes: its name and the role it built with (labels berth.owner, berth.owner-role). */
export interface BuildOwner {
  readonly owner: string;
  readonly role: string;
}

/**
 * D/build(name, url) → every output line; lines also go out as progressive results and on the topic D/build/<name>.
 * A name whose image belongs to another owner is not_authorized; a rebuild keeps the image's owner.
 */
export function buildProcedure(ctx: OpsContext): Handler {
  return async (call: Call) => {
    const caller = ctx.callers.identify(call);
    const { name, url } = parseArgs(call, ['name', 'url'], schema);
    const existing = await findImage(ctx, name);
    if (existing && !ctx.callers.owns(caller, itemOwner(existing.labels))) throw failures.notYours('image', name, ctx.domain);
    const owner = existing ? imageOwner(existing.labels) : { owner: caller.owner, role: caller.authrole ?? '' };
    const { lines } = await runBuild(ctx, call, caller, name, url, owner);
    return lines;
  };
}

/** The owner recorded on an image. */
export function imageOwner(labels: Readonly<Record<string, string>>): BuildOwner {
  return { owner: itemOwner(labels), role: labels[LABELS.ownerRole] ?? '' };
}

/** The topic a build's lines and its final event are published on. */
export function buildTopic(ctx: OpsContext, name: string): string {
  return applianceUri(ctx.domain, `build/${name}`);
}

/**
 * One build with its live output: each line to the caller (if it asked for progress) and to the topic; a last event on
 * the topic, `{name, status, image?, error?, message?}` as args[0] and as kwargs. A refused second build of a running
 * name (busy) publishes nothing, so the running build's subscribers are not misled. In `owner` mode only the build's
 * owner and admin roles receive its events (build-audience.ts). Another owner's running build of the name is
 * not_authorized; over quotas.builds of the caller's owner is quota_exceeded.
 */
export async function runBuild(
  ctx: OpsContext,
  call: Call,
  caller: Caller,
  name: string,
  url: string,
  owner: BuildOwner,
): Promise<{ lines: string[]; image: ImageDict }> {
  // Every caller validated the name already; checked again here because the topic is made from it, and an invalid URI
  // published to Crossbar.io closes berth's session. Nothing is published before this line.
  if (!BUILD_NAME.test(name)) throw new BerthError('invalid_argument', `"${name}" is not a valid build name`, { name });
  // From here to ctx.builds.start nothing awaits: the name and quota checks and the record are one step.
  const running = ctx.builds.get(name);
  if (running && !ctx.callers.owns(caller, running.owner)) throw failures.notYours('build', name, ctx.domain);
  if (running) throw failures.buildBusy(name, ctx.domain);
  if (ctx.builds.countBy(caller.owner) >= ctx.tenancy.quotas.builds) throw failures.quotaExceeded('builds', caller.owner, ctx.tenancy.quotas.builds);
  const end = ctx.builds.start(name, { owner: owner.owner, ownerRole: owner.role, runner: caller.owner });
  try {
    const topic = buildTopic(ctx, name);
    const audience = buildAudience(ctx.tenancy, owner.owner);
    const publish = (args: unknown[], kwargs?: Record<string, unknown>) => {
      for (const options of audience) void ctx.session.publish(topic, args, kwargs, options);
    };
    const onLine = (line: string) => {
      call.progress?.(line);
      publish([line]);
    };
    const final = (event: Record<string, unknown>) => publish([event], event);
    try {
      const labels = ownerLabels(owner.owner, owner.role);
      const { imageId, lines } = await ctx.builder.build(name, url, onLine, { labels });
      const record = await ctx.engine.fetchImage(imageId);
      const registry = ctx.builder.registry?.registry;
      const image = record ? imageDict(record, registry) : imageDict({ id: imageId, name, created: new Date().toISOString(), size: 0, labels, tags: [] }, registry);
      final({ name, status: 'succeeded', image });
      ctx.events.imageBuilt(image);
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
  } finally {
    end();
  }
}
