import { BerthError } from '../errors.js';
import type { BasesConfig } from './build-config.js';
import { isImageRef } from './image-ref.js';

/**
 * A Run.yaml Base → the image reference to build FROM: a catalog name (`exis-python`), a catalog name with another tag
 * (`exis-python:r2` → the catalog image's repository at tag r2), or, with build.allowAnyBase, any image reference.
 */
export function resolveBase(base: string, bases: BasesConfig, allowAnyBase: boolean): string {
  const exact = bases[base];
  if (exact) return exact;
  const colon = base.indexOf(':');
  if (colon > 0 && !base.includes('/')) {
    const ref = bases[base.slice(0, colon)];
    const tag = base.slice(colon + 1);
    if (ref && /^[\w][\w.-]{0,127}$/.test(tag)) {
      const repo = ref.replace(/@sha256:[a-f0-9]{64}$/, '').replace(/:[\w][\w.-]{0,127}$/, '');
      return `${repo}:${tag}`;
    }
  }
  if (allowAnyBase && isImageRef(base)) return base;
  const known = Object.keys(bases).sort().join(', ');
  throw new BerthError(
    'invalid_runfile',
    allowAnyBase
      ? `Base "${base}" is neither a catalog name (${known}) nor a valid image reference`
      : `unknown Base "${base}"; the catalog has ${known} (build.allowAnyBase is off)`,
    { key: 'Base' },
  );
}
