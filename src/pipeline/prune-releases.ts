import type { Engine, ImageRecord } from '../engine/engine.js';
import type { Logger } from '../log.js';
import type { RegistryReleases } from './registry-releases.js';
import { currentOf, pruneCandidates, releaseOf } from './releases.js';
import { shortImageId } from './short-image-id.js';

export interface PruneOptions {
  readonly engine: Engine;
  readonly domain: string;
  readonly log: Logger;
  /** build.keepReleases. */
  readonly keepReleases: number;
  readonly registry?: RegistryReleases;
}

/**
 * Keep the name's current release and its newest `keepReleases` releases; remove each older one that no container (of
 * any domain, any state) uses. Every removal, and every release kept because it is used, is said. `known`: the name's
 * images and its current one, when the caller has them.
 */
export async function pruneReleases(
  o: PruneOptions,
  name: string,
  onLine: (line: string) => void,
  known?: { images: ImageRecord[]; currentId: string },
): Promise<void> {
  const { engine, domain, log, keepReleases, registry } = o;
  const images = known?.images ?? (await engine.fetchImages(domain)).filter((i) => i.name === name);
  const currentId = known?.currentId ?? currentOf(images, domain, name)?.id;
  for (const image of pruneCandidates(images, currentId, keepReleases)) {
    const label = releaseOf(image.labels) === null ? `the old image ${shortImageId(image.id)}` : `release ${releaseOf(image.labels)} (${shortImageId(image.id)})`;
    const users = await engine.fetchContainersUsingImage(image.id);
    if (users.length > 0) {
      onLine(`kept ${label}: ${users.length} container(s) use it`);
      continue;
    }
    try {
      if (registry) await registry.removeLocal(image, name);
      else await engine.removeImage(image.id);
      onLine(`removed ${label} (build.keepReleases ${keepReleases})`);
    } catch (err) {
      log.warn({ err, image: image.id }, 'could not remove an old release');
      continue;
    }
    // The registry copy goes with it; a registry that is down keeps it, and the line says so.
    const reference = registry?.reference(image, name);
    if (registry && reference) {
      const removed = await registry.removeRelease(name, reference.slice(reference.lastIndexOf('@') + 1));
      onLine(removed ? `removed ${label} from registry ${registry.registry}` : `${label} stays in registry ${registry.registry}: it could not be deleted there (see the log)`);
    }
  }
}
