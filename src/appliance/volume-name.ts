import { createHash } from 'node:crypto';
import type { ImageRecord } from '../engine/engine.js';
import { LABELS } from '../engine/labels.js';
import { BerthError } from '../errors.js';
import { volumesSchema } from '../pipeline/runfile-lifecycle.js';

/**
 * The engine name of the volume of container `name` at `path`: `<D>.<name>.<slug>-<hash>`, where slug is the path made
 * readable (`/var/lib/db` → `var-lib-db`, at most 40 characters) and hash the first 16 hex digits of the path's SHA-256.
 * It cannot collide: container names have no dot and the last part has none, so the name splits from the right into
 * domain, container and path; the path is told by its hash (the slug is only for people: `/a/b` and `/a-b` share one).
 * Every character is one Docker allows in a volume name. The same name, container and path always give the same volume,
 * which is how a replacement and a re-created container find their data.
 */
export function volumeName(domain: string, name: string, path: string): string {
  const slug = path.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'root';
  const hash = createHash('sha256').update(path).digest('hex').slice(0, 16);
  return `${domain}.${name}.${slug}-${hash}`;
}

/** A name D/removeVolume accepts (what volumeName makes, of any domain; the domain is checked against the labels). */
export const VOLUME_NAME = /^[a-z0-9][a-z0-9._-]*\.[A-Za-z0-9][A-Za-z0-9_-]{0,62}\.[A-Za-z0-9-]{1,40}-[0-9a-f]{16}$/;

/**
 * The Run.yaml Volumes an image declares (label berth.volumes), validated again as Run.yaml's schema does: an image
 * labelled by hand cannot mount a volume on a path a Run.yaml could not name. A malformed label refuses the create.
 */
export function imageVolumePaths(image: ImageRecord): string[] {
  const label = image.labels[LABELS.volumes];
  if (label === undefined || label === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(label);
  } catch {
    parsed = null; // not undefined: the schema would read that as "no Volumes"
  }
  const paths = volumesSchema.safeParse(parsed);
  if (!paths.success) {
    const why = paths.error.issues[0]?.message ?? 'not a JSON list of paths';
    throw new BerthError('invalid_argument', `image "${image.name}" has a malformed ${LABELS.volumes} label (${why}); rebuild it`, { argument: 'image', image: image.name });
  }
  return paths.data;
}
