import { failures } from '../errors.js';
import type { ContainerRecord, ImageRecord } from '../engine/engine.js';
import { itemOwner, type Caller } from '../tenancy/callers.js';
import type { ApplianceContext } from './context.js';
import type { OpsContext } from './ops-context.js';
import { currentOf } from '../pipeline/releases.js';

export function requireContainer(ctx: ApplianceContext, name: string): ContainerRecord {
  ctx.index.assertAvailable();
  const record = ctx.index.getByName(name);
  if (!record) throw failures.noContainer(name, ctx.domain);
  return record;
}

/** The container, if the caller may manage it: another owner's is not_authorized (a missing one not_found). */
export function requireOwnContainer(ctx: OpsContext, caller: Caller, name: string): ContainerRecord {
  const record = requireContainer(ctx, name);
  if (!ctx.callers.owns(caller, itemOwner(record.labels))) throw failures.notYours('container', name, ctx.domain);
  return record;
}

/**
 * The image create would use: the name's current release, the one tagged `berth/<D>:<name>`. Only when no
 * image of the name carries the tag (images made before releases, or labelled by hand) the newest one.
 */
export async function findImage(ctx: ApplianceContext, name: string): Promise<ImageRecord | undefined> {
  return currentOf(await findReleases(ctx, name), ctx.domain, name);
}

/** Every image labelled with this domain and name: the name's kept releases (and any image of it made by hand). */
export async function findReleases(ctx: ApplianceContext, name: string): Promise<ImageRecord[]> {
  return (await ctx.engine.fetchImages(ctx.domain)).filter((i) => i.name === name);
}

export async function requireImage(ctx: ApplianceContext, name: string): Promise<ImageRecord> {
  const image = await findImage(ctx, name);
  if (!image) throw failures.noImage(name, ctx.domain);
  return image;
}

/** The image, if the caller may manage it (remove, rebuild): another owner's is not_authorized. */
export async function requireOwnImage(ctx: OpsContext, caller: Caller, name: string): Promise<ImageRecord> {
  const image = await requireImage(ctx, name);
  if (!ctx.callers.owns(caller, itemOwner(image.labels))) throw failures.notYours('image', name, ctx.domain);
  return image;
}
