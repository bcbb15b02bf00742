import { describe, expect, it } from 'vitest';
import { imageVolumePaths, VOLUME_NAME, volumeName } from '../../../src/appliance/volume-name.js';
import type { ImageRecord } from '../../../src/engine/engine.js';

const image = (volumes?: string): ImageRecord => ({ id: 'sha256:1', name: 'app', created: '', size: 0, tags: [], labels: volumes === undefined ? {} : { 'berth.volumes': volumes } });

describe('volumeName (Run.yaml Volumes)', () => {
  it('is readable, stable and a valid Docker volume name', () => {
    const n = volumeName('xs.demo', 'web1', '/var/lib/db');
    expect(n).toMatch(/^xs\.demo\.web1\.var-lib-db-[0-9a-f]{16}$/);
    expect(volumeName('xs.demo', 'web1', '/var/lib/db')).toBe(n);
    expect(n).toMatch(/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/);
    expect(n).toMatch(VOLUME_NAME);
  });

  it('never collides between paths, containers or domains, even where the readable part does', () => {
    const names = [
      volumeName('a', 'b', '/a-b'),
      volumeName('a', 'b', '/a/b'),
      volumeName('a', 'b', '/a_b'),
      volumeName('a', 'b', '/a.b'),
      volumeName('a', 'c', '/a/b'),
      volumeName('a.b', 'c', '/data'),
      volumeName('a', 'b', '/c/data'),
      volumeName('a', 'b-c', '/data'),
      volumeName('a-b', 'c', '/data'),
      volumeName('a', 'bc', '/data'),
    ];
    expect(new Set(names).size).toBe(names.length);
    // The readable part alone would collide for the first four; the hash tells them apart.
    expect(new Set(names.slice(0, 4).map((n) => n.replace(/-[0-9a-f]{16}$/, ''))).size).toBe(1);
  });

  it('keeps long paths short', () => {
    expect(volumeName('d', 'n', `/${'x'.repeat(250)}`).length).toBeLessThan(70);
  });
});

describe('imageVolumePaths', () => {
  it('reads the berth.volumes label', () => {
    expect(imageVolumePaths(image())).toEqual([]);
    expect(imageVolumePaths(image('[]'))).toEqual([]);
    expect(imageVolumePaths(image('["/data","/app/state"]'))).toEqual(['/data', '/app/state']);
  });

  it('refuses a label Run.yaml could not have made (a hand-labelled image)', () => {
    for (const bad of ['nope', '{}', '["/"]', '["/proc/x"]', '["data"]', '["/a","/a"]', '[1]']) {
      expect(() => imageVolumePaths(image(bad)), bad).toThrow(/malformed berth.volumes/);
    }
  });
});
