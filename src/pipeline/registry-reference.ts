import type { Engine, ImageRecord } from '../engine/engine.js';
import { currentOf } from './releases.js';

/**
 * Naming in the registry: release N of image `name` of domain D is pushed as
 * `<registry>/berth/<D>/<name>:<N>`, and referenced by digest as `<registry>/berth/<D>/<name>@sha256:…`.
 */
export function registryRepository(registry: string, domain: string, name: string): string {
  return `${registry}/berth/${domain}/${name}`;
}

/**
 * The pushed reference of an image: its RepoDigest in the name's repository of `registry` (what the engine recorded
 * when it pushed the image), or null when it was not pushed there or no registry is configured.
 */
export function registryReference(image: Pick<ImageRecord, 'digests'>, registry: string | undefined, domain: string, name: string): string | null {
  if (!registry) return null;
  const prefix = `${registryRepository(registry, domain, name)}@sha256:`;
  return image.digests?.find((d) => d.startsWith(prefix) && /^[0-9a-f]{64}$/.test(d.slice(prefix.length))) ?? null;
}

/**
 * The digest reference of the current release of `name` (what a Swarm service must run: every node pulls exactly it),
 * or null when the name has no image or its current release is not in `registry`. One engine call.
 */
export async function fetchCurrentRegistryReference(engine: Engine, registry: string, domain: string, name: string): Promise<string | null> {
  const current = currentOf((await engine.fetchImages(domain)).filter((i) => i.name === name), domain, name);
  return current ? registryReference(current, registry, domain, name) : null;
}
