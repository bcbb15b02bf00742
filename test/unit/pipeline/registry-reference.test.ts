import { describe, expect, it } from 'vitest';
import { fetchCurrentRegistryReference, registryReference, registryRepository } from '../../../src/pipeline/registry-reference.js';
import type { Engine, ImageRecord } from '../../../src/engine/engine.js';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;

describe('naming in the registry', () => {
  it('pushes release N of D/name as <registry>/berth/<D>/<name>:<N>', () => {
    expect(registryRepository('127.0.0.1:5000', 'xs.demo.berth', 'web-app')).toBe('127.0.0.1:5000/berth/xs.demo.berth/web-app');
  });

  it('references an image by the RepoDigest of its own repository in the configured registry only', () => {
    const image = { digests: [`other:5000/berth/d/app@${D2}`, `127.0.0.1:5000/berth/d/app2@${D2}`, `127.0.0.1:5000/berth/d/app@${D1}`] };
    expect(registryReference(image, '127.0.0.1:5000', 'd', 'app')).toBe(`127.0.0.1:5000/berth/d/app@${D1}`);
    expect(registryReference(image, undefined, 'd', 'app')).toBeNull();
    expect(registryReference(image, '127.0.0.1:5001', 'd', 'app')).toBeNull();
    expect(registryReference({}, '127.0.0.1:5000', 'd', 'app')).toBeNull();
    expect(registryReference({ digests: [`127.0.0.1:5000/berth/d/app@sha256:short`] }, '127.0.0.1:5000', 'd', 'app')).toBeNull();
  });

  it('fetchCurrentRegistryReference gives the current release\'s reference (the tagged one), null without one', async () => {
    const image = (id: string, release: string, tags: string[], digests: string[]): ImageRecord => ({ id, name: 'app', created: '2026-01-01T00:00:00Z', size: 0, labels: { 'berth.release': release }, tags, digests });
    const images = [image('a', '2', [], [`r:1/berth/d/app@${D2}`]), image('b', '1', ['berth/d:app'], [`r:1/berth/d/app@${D1}`])];
    const engine = { fetchImages: async () => images } as unknown as Engine;
    expect(await fetchCurrentRegistryReference(engine, 'r:1', 'd', 'app')).toBe(`r:1/berth/d/app@${D1}`);
    expect(await fetchCurrentRegistryReference(engine, 'r:1', 'd', 'nosuch')).toBeNull();
  });
});
