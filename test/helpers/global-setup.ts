import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { BUSYBOX_IMAGE } from './docker.js';
import { startTestRouter } from './test-router.js';

declare module 'vitest' {
  export interface ProvidedContext {
    routerUrl: string;
  }
}

/**
 * Once per integration run: build berth (tests run the real CLI), check the engine and the busybox base made by
 * scripts/test-setup.sh, and start one shared router (Crossbar.io, or the embedded one with BERTH_TEST_ROUTER=embedded).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // npm test compiles once for all its runs (BERTH_TEST_BUILT=1); a run of its own compiles here.
  if (process.env.BERTH_TEST_BUILT !== '1') execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
  if (!existsSync('/var/run/docker.sock') && !process.env.DOCKER_HOST) throw new Error('no Docker engine: run scripts/test-setup.sh (npm test does)');
  try {
    execFileSync('docker', ['image', 'inspect', BUSYBOX_IMAGE], { stdio: 'ignore' });
  } catch {
    throw new Error(`missing ${BUSYBOX_IMAGE}: run scripts/test-setup.sh (npm test does)`);
  }
  const router = await startTestRouter();
  project.provide('routerUrl', router.url);
  return async () => {
    await router[Symbol.asyncDispose]();
  };
}
