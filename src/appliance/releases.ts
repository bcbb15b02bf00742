import { z } from 'zod';
import { failures } from '../errors.js';
import type { ImageRecord } from '../engine/engine.js';
import { LABELS } from '../engine/labels.js';
import { currentOf, newestFirst, releaseOf } from '../pipeline/releases.js';
import { itemOwner, type Caller } from '../tenancy/callers.js';
import type { Call, Handler } from '../wamp/call.js';
import { findReleases } from './lookup.js';
import { imageName } from './names.js';
import type { OpsContext } from './ops-context.js';
import { parseArgs } from './parse-args.js';
import { registryReference } from '../pipeline/registry-reference.js';

/** One entry of D/releases(name). */
export interface ReleaseDict {
  release: number | null;
  id: string;
  commit: string | null;
  ref: string | null;
  url: string | null;
  built: string | null;
  /** Tagged `berth/<D>:<name>`: what create uses. */
  current: boolean;
  /** Names of the containers on this image that the caller may see. */
  containers: string[];
  /** Its pushed reference `<registry>/berth/<D>/<name>@sha256:…`; null when not pushed or no registry. */
  registry: string | null;
}

const schema = z.object({ name: imageName });

/**
 * D/releases(name) → the name's kept releases, newest first. Owner rules as for the image: another owner's
 * is not_authorized, a name without an image not_found.
 */
export function releasesProcedure(ctx: OpsContext): Handler {
  return async (call: Call) => {
    const caller = ctx.callers.identify(call);
    const { name } = parseArgs(call, ['name'], schema);
    const { images, current } = await requireOwnReleases(ctx, caller, name);
    ctx.index.assertAvailable();
    const containers = ctx.index.getAll().filter((c) => ctx.callers.owns(caller, itemOwner(c.labels)));
    return newestFirst(images).map((i): ReleaseDict => ({
      release: releaseOf(i.labels),
      id: i.id,
      commit: i.labels[LABELS.commit] || null,
      ref: i.labels[LABELS.ref] || null,
      url: i.labels[LABELS.url] || null,
      built: i.labels[LABELS.built] || null,
      current: i.id === current.id,
      containers: containers.filter((c) => c.imageId === i.id).map((c) => c.name).sort(),
      registry: registryReference(i, ctx.builder.registry?.registry, ctx.domain, name),
    }));
  };
}

/** Every kept release of a name and the current one, if the caller may manage the image (one engine call). */
export async function requireOwnReleases(ctx: OpsContext, caller: Caller, name: string): Promise<{ images: ImageRecord[]; current: ImageRecord }> {
  const images = await findReleases(ctx, name);
  const current = currentOf(images, ctx.domain, name);
  if (!current) throw failures.noImage(name, ctx.domain);
  if (!ctx.callers.owns(caller, itemOwner(current.labels))) throw failures.notYours('image', name, ctx.domain);
  return { images, current };
}
