import { describe, expect, it } from 'vitest';
import { LABELS } from '../../../src/engine/labels.js';
import { currentOf, newestFirst, nextRelease, pruneCandidates, releaseOf, sourceDigest } from '../../../src/pipeline/releases.js';

const img = (id: string, release: number | null, created: string, tags: string[] = []) => ({
  id,
  created,
  tags,
  labels: release === null ? {} : { [LABELS.release]: String(release) },
});

describe('release numbering', () => {
  it('reads only positive integers as a release', () => {
    expect(releaseOf({ [LABELS.release]: '3' })).toBe(3);
    for (const bad of ['0', '-1', '1.5', '03', 'x', '', '1e3']) expect(releaseOf({ [LABELS.release]: bad })).toBeNull();
    expect(releaseOf({})).toBeNull();
  });

  it('counts up from the highest release; images without the label count as 0', () => {
    expect(nextRelease([])).toBe(1);
    expect(nextRelease([img('a', null, '2026-01-01')])).toBe(1);
    expect(nextRelease([img('a', 2, '2026-01-01'), img('b', 7, '2026-01-02'), img('c', null, '2026-01-03')])).toBe(8);
  });

  it('the current release is the tagged one, the newest only when none is tagged', () => {
    const images = [img('a', 1, '2026-01-01', ['berth/d:web']), img('b', 2, '2026-01-02')];
    expect(currentOf(images, 'd', 'web')?.id).toBe('a');
    expect(currentOf(images, 'd', 'other')?.id).toBe('b');
    expect(currentOf([img('x', null, '2026-01-01'), img('y', null, '2026-02-01')], 'd', 'web')?.id).toBe('y');
    expect(currentOf([], 'd', 'web')).toBeUndefined();
  });

  it('sorts newest first by release, then by creation time', () => {
    const images = [img('old', null, '2026-05-01'), img('r2', 2, '2026-01-02'), img('r3', 3, '2026-01-01'), img('older', null, '2026-04-01')];
    expect(newestFirst(images).map((i) => i.id)).toEqual(['r3', 'r2', 'old', 'older']);
  });
});

describe('pruning choice', () => {
  const seven = [1, 2, 3, 4, 5, 6, 7].map((n) => img(`r${n}`, n, `2026-01-0${n}`));

  it('keeps the newest keepReleases releases', () => {
    expect(pruneCandidates(seven, 'r7', 5).map((i) => i.id)).toEqual(['r2', 'r1']);
    expect(pruneCandidates(seven, 'r7', 1).map((i) => i.id)).toEqual(['r6', 'r5', 'r4', 'r3', 'r2', 'r1']);
    expect(pruneCandidates(seven.slice(0, 2), 'r2', 5)).toEqual([]);
  });

  it('always keeps the current release, also when it is older than the newest keepReleases (after a rollback)', () => {
    expect(pruneCandidates(seven, 'r1', 2).map((i) => i.id)).toEqual(['r5', 'r4', 'r3', 'r2']);
  });

  it('removes images without a release (made before releases) before any release', () => {
    const images = [img('legacy', null, '2026-02-01'), img('r1', 1, '2026-01-01'), img('r2', 2, '2026-01-02')];
    expect(pruneCandidates(images, 'r2', 2).map((i) => i.id)).toEqual(['legacy']);
  });
});

describe('source digest', () => {
  const base = { url: 'http://h/r.git', commit: 'c'.repeat(40), dockerfile: 'FROM sha256:b\n', setup: ['make'], command: ['run'], labels: { [LABELS.env]: '{}', [LABELS.volumes]: '[]' } };

  it('ignores the release labels themselves but nothing else', () => {
    const d = sourceDigest(base);
    expect(d).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(sourceDigest({ ...base, labels: { ...base.labels, [LABELS.release]: '4', [LABELS.built]: 'now', [LABELS.source]: 'x' } })).toBe(d);
    expect(sourceDigest({ ...base, labels: { [LABELS.volumes]: '[]', [LABELS.env]: '{}' } })).toBe(d);
    for (const changed of [
      { ...base, commit: 'd'.repeat(40) },
      { ...base, url: 'http://h/r.git#main' },
      { ...base, dockerfile: 'FROM sha256:c\n' },
      { ...base, setup: ['make', 'test'] },
      { ...base, command: ['run', '-v'] },
      { ...base, labels: { ...base.labels, [LABELS.env]: '{"A":"1"}' } },
      { ...base, labels: { ...base.labels, [LABELS.volumes]: '["/data"]' } },
    ]) {
      expect(sourceDigest(changed)).not.toBe(d);
    }
  });
});
