import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { BerthError } from '../errors.js';

/**
 * The directory holding Run.yaml and the build context: the checkout itself or its `subdir`, each segment a real
 * directory (a symbolic link could point outside the checkout).
 */
export async function buildRoot(checkout: string, subdir: string | null): Promise<string> {
  if (subdir === null) return checkout;
  let dir = checkout;
  for (const segment of subdir.split('/')) {
    dir = join(dir, segment);
    const st = await lstat(dir).catch(() => undefined);
    if (!st) throw new BerthError('invalid_runfile', `the subdirectory "${subdir}" does not exist in the repository`, { subdir });
    if (st.isSymbolicLink()) throw new BerthError('invalid_runfile', `the subdirectory "${subdir}" goes through a symbolic link`, { subdir });
    if (!st.isDirectory()) throw new BerthError('invalid_runfile', `"${subdir}" is not a directory in the repository`, { subdir });
  }
  return dir;
}
