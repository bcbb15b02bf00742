import { describe, expect, it } from 'vitest';
import { Registry, type Entry } from '../../../src/router/registry.js';
import { matches, type MatchPolicy } from '../../../src/router/uri.js';

/** The linear implementation the index replaced, kept as the reference for precedence. */
class LinearRegistry {
  readonly entries: Entry[] = [];
  best(uri: string): Entry | undefined {
    const exact = this.entries.find((e) => e.match === 'exact' && e.uri === uri);
    if (exact) return exact;
    let best: Entry | undefined;
    for (const e of this.entries) if (e.match === 'prefix' && uri.startsWith(e.uri) && (!best || e.uri.length > best.uri.length)) best = e;
    if (best) return best;
    let fixed = -1;
    for (const e of this.entries) {
      if (e.match !== 'wildcard' || !matches(e.uri, 'wildcard', uri)) continue;
      const n = e.uri.split('.').filter((c) => c !== '').length;
      if (n > fixed) [best, fixed] = [e, n];
    }
    return best;
  }
  matching(uri: string): Entry[] {
    return this.entries.filter((e) => matches(e.uri, e.match, uri));
  }
}

/** Deterministic PRNG (mulberry32), so a failure is reproducible from the seed. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ['a', 'b', 'ab', 'berth', 'com', 'x'];
const uriOf = (r: () => number, n: number, empty: number) =>
  Array.from({ length: n }, () => (r() < empty ? '' : WORDS[Math.floor(r() * WORDS.length)]!)).join('.');

let nextId = 1;
const entry = (uri: string, match: MatchPolicy): Entry => ({ id: nextId++, uri, match, created: '' });

describe('registry (matching without scanning)', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    it(`same precedence and matches as the linear implementation on random data (seed ${seed})`, () => {
      const r = rng(seed);
      const fast = new Registry<Entry>();
      const slow = new LinearRegistry();
      const live: Entry[] = [];
      for (let i = 0; i < 600; i++) {
        const roll = r();
        if (roll < 0.15 && live.length > 0) {
          const [gone] = live.splice(Math.floor(r() * live.length), 1);
          fast.remove(gone!);
          slow.entries.splice(slow.entries.indexOf(gone!), 1);
          continue;
        }
        const match: MatchPolicy = roll < 0.4 ? 'exact' : roll < 0.7 ? 'prefix' : 'wildcard';
        let uri = uriOf(r, 1 + Math.floor(r() * 4), match === 'wildcard' ? 0.4 : 0);
        // String prefixes that cut a component in half, and the empty prefix, are part of the semantics.
        if (match === 'prefix' && r() < 0.5) uri = uri.slice(0, Math.floor(r() * (uri.length + 1)));
        if (match === 'exact' && uri === '') continue;
        if (fast.get(uri, match)) continue;
        const e = entry(uri, match);
        fast.add(e);
        slow.entries.push(e);
        live.push(e);
      }
      for (let i = 0; i < 2000; i++) {
        const uri = uriOf(r, 1 + Math.floor(r() * 4), 0);
        expect(fast.best(uri)?.id, uri).toBe(slow.best(uri)?.id);
        expect(fast.matching(uri).map((e) => e.id).sort(), uri).toEqual(slow.matching(uri).map((e) => e.id).sort());
      }
    });
  }

  it('meta lookups still work: all, get, getById, and removal', () => {
    const reg = new Registry<Entry>();
    const p = entry('com.', 'prefix');
    const w = entry('com..x', 'wildcard');
    reg.add(p);
    reg.add(w);
    expect(reg.all('prefix')).toEqual([p]);
    expect(reg.get('com..x', 'wildcard')).toBe(w);
    expect(reg.getById(w.id)).toBe(w);
    expect(reg.best('com.a.x')).toBe(p);
    reg.remove(p);
    expect(reg.best('com.a.x')).toBe(w);
    reg.remove(w);
    expect(reg.best('com.a.x')).toBeUndefined();
    expect(reg.getById(w.id)).toBeUndefined();
  });

  it('a pattern with a huge number of components does not overflow the stack', () => {
    const reg = new Registry<Entry>();
    const deep = '.'.repeat(200_000);
    reg.add(entry(deep, 'wildcard'));
    expect(reg.best('a.'.repeat(200_000) + 'a')?.uri).toBe(deep);
  });

  it('regression: with 100k wildcard registrations a lookup stays fast (was a scan of all of them)', () => {
    const reg = new Registry<Entry>();
    for (let i = 0; i < 100_000; i++) reg.add(entry(`spam.${i}..x`, 'wildcard'));
    reg.add(entry('berth.create', 'exact'));
    reg.add(entry('app..run', 'wildcard'));
    // Bounded in count and in time, so the old scan fails in seconds rather than minutes.
    let rounds = 0;
    const t0 = performance.now();
    while (rounds < 2_000 && performance.now() - t0 < 3_000) {
      reg.best('app.web1.run');
      reg.best('nothing.here.at.all');
      reg.matching('spam.5.y.x');
      rounds++;
    }
    const perLookup = (performance.now() - t0) / (rounds * 3);
    // A scan costs about 1 ms per lookup here; the index a few microseconds. 0.1 ms leaves a wide margin for a busy machine.
    expect(perLookup).toBeLessThan(0.1);
    expect(reg.best('app.web1.run')?.uri).toBe('app..run');
    expect(reg.matching('spam.5.y.x').map((e) => e.uri)).toEqual(['spam.5..x']);
  });
});

describe('prefix trie and wildcard index under churn', () => {
  it('splits and merges edges correctly: every lookup equals a naive scan after 5000 random adds and removes', () => {
    const r = rng(42);
    const reg = new Registry<Entry>();
    const live = new Map<string, Entry>();
    const word = () => Array.from({ length: Math.floor(r() * 6) }, () => 'ab.'[Math.floor(r() * 3)]).join('');
    for (let i = 0; i < 5_000; i++) {
      const uri = word();
      const match: MatchPolicy = r() < 0.5 ? 'prefix' : 'wildcard';
      const k = `${match} ${uri}`;
      const had = live.get(k);
      if (had) {
        reg.remove(had);
        live.delete(k);
      } else {
        const e = entry(uri, match);
        reg.add(e);
        live.set(k, e);
      }
      if (i % 50 === 0) {
        for (let j = 0; j < 20; j++) {
          const probe = word().replace(/\.+/g, '.').replace(/^\.|\.$/g, '') || 'a';
          const want = [...live.values()].filter((e) => matches(e.uri, e.match, probe)).map((e) => e.id).sort();
          expect(reg.matching(probe).map((e) => e.id).sort(), probe).toEqual(want);
        }
      }
    }
  });
});
