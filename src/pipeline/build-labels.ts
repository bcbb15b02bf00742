import { LABELS } from '../engine/labels.js';
import type { BuildUrl } from './build-url.js';
import { commandArgv } from './dockerfile.js';
import { sourceDigest } from './releases.js';
import type { Runfile } from './runfile.js';

/**
 * The labels of a build's image (all but its release number and build time): `extra` (the caller's, e.g. the owner)
 * first, berth's own keys after, so they cannot be overridden; and berth.source, the digest of what the image is made
 * from (URL, commit, Dockerfile, Run.yaml's Setup and Command, these labels), which tells an identical rebuild.
 */
export function buildLabels(
  name: string,
  domain: string,
  b: { url: BuildUrl; commit: string; runfile: Runfile; dockerfile: string },
  extra: Readonly<Record<string, string>> | undefined,
): Record<string, string> {
  const labels: Record<string, string> = {
    ...extra,
    [LABELS.domain]: domain,
    [LABELS.name]: name,
    [LABELS.url]: b.url.source,
    [LABELS.ref]: b.url.ref ?? '',
    [LABELS.commit]: b.commit,
    [LABELS.base]: b.runfile.Base,
    [LABELS.command]: JSON.stringify(commandArgv(b.runfile.Command)),
    [LABELS.env]: JSON.stringify(b.runfile.Env),
    [LABELS.volumes]: JSON.stringify(b.runfile.Volumes ?? []),
    // The finished image is no leftover: containers made from it must never look like build containers.
    [LABELS.build]: '',
  };
  labels[LABELS.source] = sourceDigest({ url: b.url.source, commit: b.commit, dockerfile: b.dockerfile, setup: b.runfile.Setup, command: b.runfile.Command, labels });
  return labels;
}
