import type { Engine, ImageRecord } from '../engine/engine.js';
import { RegistryClient } from '../engine/registry-client.js';
import { BerthError, failures, isBerthError } from '../errors.js';
import type { Logger } from '../log.js';
import { registryReference, registryRepository } from './registry-reference.js';

export interface RegistryReleasesOptions {
  readonly engine: Engine;
  readonly domain: string;
  /** Config `registry` (host:port). */
  readonly registry: string;
  readonly auth?: { readonly username: string; readonly password: string };
  /** Config `registryTimeout`, in ms: each request to the registry's HTTP API. */
  readonly timeoutMs: number;
  readonly log: Logger;
}

/** What removing a name's registry copy did: how many manifests went, and why the rest could not (the registry's message). */
export interface RegistryRemoval {
  readonly removed: boolean;
  readonly manifests: number;
  readonly error?: string;
}

/**
 * Releases in the registry: push a release, make sure a kept one is there, delete a name's manifests. The
 * local image's RepoDigests are the record of what was pushed; nothing else is stored.
 */
export class RegistryReleases {
  readonly client: RegistryClient;

  constructor(private readonly o: RegistryReleasesOptions) {
    this.client = new RegistryClient({ registry: o.registry, auth: o.auth, timeoutMs: o.timeoutMs, insecure: () => o.engine.fetchRegistryInsecure(o.registry) });
  }

  get registry(): string {
    return this.o.registry;
  }

  repository(name: string): string {
    return registryRepository(this.o.registry, this.o.domain, name);
  }

  reference(image: Pick<ImageRecord, 'digests'>, name: string): string | null {
    return registryReference(image, this.o.registry, this.o.domain, name);
  }

  /**
   * Tag the image `<repository>:<release>` and push it; the engine's progress goes to `onLine`. Fails with build_failed
   * naming the registry. Resolves with the digest reference.
   */
  async push(imageId: string, name: string, release: number, onLine: (line: string) => void, signal: AbortSignal): Promise<string> {
    const { engine, registry, auth } = this.o;
    const repository = this.repository(name);
    const tagged = `${repository}:${release}`;
    onLine(`pushing ${tagged}`);
    try {
      await engine.tagImage(imageId, repository, String(release));
      const digest = await engine.pushImage({ repository, tag: String(release), auth, signal, onLine });
      onLine(`pushed ${repository}@${digest}`);
      return `${repository}@${digest}`;
    } catch (err) {
      // A cancel stays a cancel; the build's time limit and the engine's or registry's refusal name the registry.
      if (isBerthError(err, 'canceled')) throw err;
      const message = isBerthError(err) ? err.message : String(err);
      throw failures.pushFailed(registry, tagged, message, err);
    }
  }

  /** Whether the registry has this manifest (a digest reference `<repository>@sha256:…`). */
  async has(reference: string): Promise<boolean> {
    const at = reference.lastIndexOf('@');
    return (await this.client.manifestDigest(reference.slice(this.o.registry.length + 1, at), reference.slice(at + 1))) !== null;
  }

  /**
   * Delete what the registry holds of a name: the manifests of these local images (their RepoDigests) and of every tag
   * the registry lists for the name's repository. Never throws: a registry that is down or refuses is said in the result
   * (and logged), so the caller's local removal stands.
   */
  async removeName(name: string, images: readonly Pick<ImageRecord, 'digests'>[]): Promise<RegistryRemoval> {
    const repository = this.repository(name);
    const path = repository.slice(this.o.registry.length + 1);
    const digests = new Set(images.map((i) => this.reference(i, name)?.split('@')[1]).filter((d): d is string => !!d));
    let manifests = 0;
    try {
      for (const tag of await this.client.listTags(path)) {
        const digest = await this.client.manifestDigest(path, tag);
        if (digest) digests.add(digest);
      }
      for (const digest of digests) {
        await this.client.deleteManifest(path, digest);
        manifests++;
      }
      return { removed: true, manifests };
    } catch (err) {
      const message = err instanceof BerthError ? err.message : String(err);
      this.o.log.warn({ name, registry: this.o.registry, error: isBerthError(err) ? err.uri : undefined, message }, 'the registry copy of an image was not removed');
      return { removed: false, manifests, error: message };
    }
  }

  /** Delete one release's manifest (pruning, a failed build); false (logged) when the registry did not. */
  async removeRelease(name: string, digest: string): Promise<boolean> {
    try {
      await this.client.deleteManifest(this.repository(name).slice(this.o.registry.length + 1), digest);
      return true;
    } catch (err) {
      this.o.log.warn({ name, digest, registry: this.o.registry, message: (err as Error).message }, 'could not delete a release from the registry');
      return false;
    }
  }

  /** A release's digest in the registry by its tag (the release number), or null (also when the registry is down). */
  async digestOfRelease(name: string, release: number): Promise<string | null> {
    return this.client.manifestDigest(this.repository(name).slice(this.o.registry.length + 1), String(release)).catch(() => null);
  }

  /**
   * Remove a local image with its registry tags: the current release also carries `berth/<D>:<name>`, and the engine
   * refuses to remove by ID an image tagged in two repositories, so the registry tags go first (untagging only).
   */
  async removeLocal(image: Pick<ImageRecord, 'id' | 'tags'>, name: string): Promise<void> {
    const repository = this.repository(name);
    const ours = image.tags.filter((t) => t.startsWith(`${repository}:`));
    if (ours.length < image.tags.length) for (const tag of ours) await this.o.engine.removeImage(tag).catch((err: unknown) => {
      if (!isBerthError(err, 'not_found')) throw err;
    });
    await this.o.engine.removeImage(image.id);
  }
}
