import { BerthError } from '../errors.js';
import type { BasesConfig } from './build-config.js';
import { isImageRef } from './image-ref.js';

/**
 * A Run.yaml Base → the image reference to build FROM. Only exact catalog keys map (`exis-python`, or `exis-python:r2`
 * when the catalog has that very key): a tag on a catalog name is not a wildcard, since it would name an image nobody
 * put on the engine (and, before berth stopped pulling, a public one). Keys are looked up as own keys only, so
 * `constructor` or `__proto__` are unknown bases. With build.allowAnyBase, any image reference is taken as written;
 * the image must still be on the engine (berth never pulls).
 */
export function resolveBase(base: string, bases: BasesConfig, allowAnyBase: boolean): string {
  if (Object.hasOwn(bases, base)) return bases[base]!;
  if (allowAnyBase && isImageRef(base)) return base;
  const known = Object.keys(bases).sort().join(', ');
  throw new BerthError(
    'invalid_runfile',
    allowAnyBase
      ? `Base "${base}" is neither a catalog name (${known}) nor a valid image reference`
      : `unknown Base "${base}"; the catalog has ${known} (exact names only; build.allowAnyBase is off)`,
    { key: 'Base', base },
  );
}

/** The error for a base that is not on the engine: berth never pulls, so it says how to get the image there. */
export function missingBase(base: string, ref: string): BerthError {
  const how = /^exis-(python|nodejs)$/.test(base)
    ? `build it offline with docker/bases/build-offline.sh ${base}`
    : `put ${ref} on the engine (docker build or docker load)`;
  return new BerthError(
    'invalid_runfile',
    `the base ${base} (${ref}) is not on this engine and berth never pulls: ${how}, or map ${base} to a local image in the bases config`,
    { key: 'Base', base, ref },
  );
}
