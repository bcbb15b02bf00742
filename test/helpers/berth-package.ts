import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface BerthPackage {
  /** The tarball `npm pack` made. */
  tgz: string;
  /** Its sha256 (npm pack is reproducible: the same build gives the same bytes). */
  sha256: string;
}

/** `npm pack` of this checkout into `dir`; the checkout must be built with `npm run build` (daemon and dashboard). */
export async function packBerth(dir: string): Promise<BerthPackage> {
  for (const f of ['dist/main.js', 'dist/web/index.html'])
    if (!existsSync(join(REPO_ROOT, f))) throw new Error(`${f} is missing: run npm run build first (npm test does)`);
  await run('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: REPO_ROOT, timeout: 60_000 });
  const name = readdirSync(dir).find((f) => /^berth-.*\.tgz$/.test(f));
  if (!name) throw new Error(`npm pack left no berth-*.tgz in ${dir}`);
  const tgz = join(dir, name);
  return { tgz, sha256: createHash('sha256').update(readFileSync(tgz)).digest('hex') };
}

/** `npm install --global --prefix <prefix> <tgz>`, as a user installs it: production dependencies only. */
export async function installGlobal(tgz: string, prefix: string): Promise<void> {
  await run('npm', ['install', '--global', '--prefix', prefix, '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', tgz], {
    timeout: 180_000,
  });
}
