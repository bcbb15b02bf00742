import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import { fetchSource, type FetchSourceOptions } from './git-source.js';
import { makeBuildDir, removeBuildDir } from './temp-dirs.js';

/**
 * A build's temporary directory: the checkout (`src/`) and git's HOME (`home/`). Needed until the engine has read the
 * context; removed once, by whichever asks first (right after the engine has read it, or when the build ends).
 */
export class BuildCheckout {
  private dir: string | undefined;
  private removing: Promise<void> | undefined;

  constructor(private readonly log: Logger) {}

  /** Make the directory and clone into it; resolves with the commit and the checkout's path. */
  async clone(o: Omit<FetchSourceOptions, 'dir' | 'home'>): Promise<{ commit: string; checkout: string }> {
    const dir = (this.dir = await makeBuildDir());
    const checkout = join(dir, 'src');
    const home = join(dir, 'home');
    await Promise.all([mkdir(checkout), mkdir(home)]);
    const { commit } = await fetchSource({ ...o, dir: checkout, home });
    return { commit, checkout };
  }

  /** Start removing the directory (if it was made); safe to call twice. */
  remove(): void {
    const { dir } = this;
    if (dir) this.removing ??= removeBuildDir(dir).catch((err) => this.log.error({ err, dir }, 'could not remove the build directory'));
  }

  /** Settles once a started removal is over. */
  async removed(): Promise<void> {
    await this.removing;
  }
}
