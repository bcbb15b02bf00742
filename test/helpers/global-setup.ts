import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { Crossbar } from './crossbar.js';
import { BUSYBOX_IMAGE } from './docker.js';

declare module 'vitest' {
  export interface ProvidedContext {
    routerUrl: string;
  }
}

/**
 * Once per integration run: build berth (tests run the real CLI), check the engine and the busybox base made by
 * scripts/test-setup.sh, and start one shared Crossbar.io node.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
  if (!existsSync('/var/run/docker.sock') && !process.env.DOCKER_HOST) throw new Error('no Docker engine: run scripts/test-setup.sh (npm test does)');
  try {
    execFileSync('docker', ['image', 'inspect', BUSYBOX_IMAGE], { stdio: 'ignore' });
  } catch {
    throw new Error(`missing ${BUSYBOX_IMAGE}: run scripts/test-setup.sh (npm test does)`);
  }
  const crossbar = await Crossbar.start();
  project.provide('routerUrl', crossbar.url);
  return async () => {
    await crossbar[Symbol.asyncDispose]();
  };
}
