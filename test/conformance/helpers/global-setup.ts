import type { TestProject } from 'vitest/node';
import { Targets } from './targets.js';

/** Once per conformance run: one embedded router, one Crossbar.io node and one nexus, shared by every scenario file. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const targets = await Targets.boot();
  project.provide('conformanceTargets', targets.all);
  return () => targets[Symbol.asyncDispose]();
}
