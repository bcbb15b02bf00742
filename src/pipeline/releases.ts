import { createHash } from 'node:crypto';
import type { ImageRecord } from '../engine/engine.js';
import { LABELS } from '../engine/labels.js';

/**
 * Releases: every successful build of a name is one, numbered from 1 in the label berth.release. Pure logic
 * here (numbering, the current one, what pruning removes); the builder and the appliance do the engine calls.
 */

/** The release number on an image's labels; null for an image without one (built before releases, or by hand). */
export function releaseOf(labels: Readonly<Record<string, string>>): number | null {
  const raw = labels[LABELS.release];
  if (raw === undefined || !/^[1-9][0-9]{0,8}$/.test(raw)) return null;
  return Number(raw);
}

/** 1 + the highest release among the images of a name; images without the label count as 0. */
export function nextRelease(images: readonly Pick<ImageRecord, 'labels'>[]): number {
  return 1 + images.reduce((max, i) => Math.max(max, releaseOf(i.labels) ?? 0), 0);
}

/** The tag that makes an image the name's current release: `berth/<domain>:<name>`. */
export function currentTag(domain: string, name: string): string {
  return `berth/${domain}:${name}`;
}

/**
 * The name's current release: the image tagged `berth/<domain>:<name>`. When no image of the name carries the tag
 * (images made before releases, or by hand), the newest one.
 */
export function currentOf<T extends Pick<ImageRecord, 'tags' | 'created'>>(images: readonly T[], domain: string, name: string): T | undefined {
  const tag = currentTag(domain, name);
  return images.find((i) => i.tags.includes(tag)) ?? newestFirst(images)[0];
}

/** Newest first: by release number (none counts as 0), then by creation time. */
export function newestFirst<T extends Pick<ImageRecord, 'created'> & { labels?: Readonly<Record<string, string>> }>(images: readonly T[]): T[] {
  return [...images].sort((a, b) => (releaseOf(b.labels ?? {}) ?? 0) - (releaseOf(a.labels ?? {}) ?? 0) || b.created.localeCompare(a.created));
}

/**
 * What pruning may remove after a build: every image of the name except the current one and the newest `keep`
 * releases. (Whether a container still uses one is the caller's check: such an image is kept too.)
 */
export function pruneCandidates<T extends Pick<ImageRecord, 'id' | 'created' | 'labels'>>(images: readonly T[], currentId: string | undefined, keep: number): T[] {
  return newestFirst(images)
    .slice(keep)
    .filter((i) => i.id !== currentId);
}

/**
 * berth.source: sha256 over everything that makes the image apart from the release's own labels (berth.release,
 * berth.built, berth.source): the URL as given, the commit, the generated Dockerfile (which names the base by its image
 * ID), the Run.yaml parts and every other label. Two builds with the same digest build the same image.
 */
export function sourceDigest(parts: { url: string; commit: string; dockerfile: string; setup: readonly string[]; command: unknown; labels: Readonly<Record<string, string>> }): string {
  const labels = Object.fromEntries(
    Object.entries(parts.labels)
      .filter(([k]) => k !== LABELS.release && k !== LABELS.built && k !== LABELS.source)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
  const text = JSON.stringify({ v: 1, url: parts.url, commit: parts.commit, dockerfile: parts.dockerfile, setup: parts.setup, command: parts.command, labels });
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}
