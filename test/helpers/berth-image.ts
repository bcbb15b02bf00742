import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { packBerth, REPO_ROOT } from './berth-package.js';

const run = promisify(execFile);

/** berth's own image as the tests build it (docker/berth/build.sh): kept between runs, rebuilt when the package changes. */
export const BERTH_IMAGE = 'berth-inst/berth:test';

export interface BuiltImage {
  ref: string;
  /** How long build.sh took (a few seconds when the image of this very package was there). */
  seconds: number;
  /** build.sh found an image of the same package hash and kept it. */
  cached: boolean;
}

/** Pack this checkout into `dir` and build (or keep) berth's image from that tarball. */
export async function buildBerthImage(dir: string): Promise<BuiltImage> {
  const { tgz } = await packBerth(dir);
  const [image, tag] = BERTH_IMAGE.split(':') as [string, string];
  const started = Date.now();
  const { stdout } = await run(join(REPO_ROOT, 'docker/berth/build.sh'), [tgz], {
    env: { ...process.env, IMAGE: image, TAG: tag },
    timeout: 900_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return { ref: BERTH_IMAGE, seconds: (Date.now() - started) / 1000, cached: stdout.includes(' is there ') };
}
