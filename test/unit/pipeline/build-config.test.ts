import { describe, expect, it } from 'vitest';
import { buildSchema } from '../../../src/pipeline/build-config.js';

describe('build config', () => {
  it('has sane defaults for the build limits', () => {
    expect(buildSchema.parse({})).toMatchObject({ maxOutputBytes: 16 * 1024 ** 2, memory: 1024 ** 3, cpus: 1, maxRepoBytes: 500_000_000 });
  });

  it('reads sizes with suffixes and refuses limits below their floors', () => {
    expect(buildSchema.parse({ memory: '256m', maxOutputBytes: '1m', cpus: 0.5 })).toMatchObject({ memory: 256 * 1024 ** 2, maxOutputBytes: 1024 ** 2, cpus: 0.5 });
    for (const bad of [{ memory: '5m' }, { cpus: 0.001 }, { cpus: 1e-9 }, { maxOutputBytes: 1000 }, { memory: 'lots' }, { nope: 1 }]) {
      expect(buildSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });
});
