import { describe, expect, it } from 'vitest';
import { hotMessage } from '../../../src/router/hot-message.js';
import { parseBySchema, schemaOf } from '../../../src/router/wamp-message.js';

/** A small seeded generator (mulberry32): the same cases every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VALUES: unknown[] = [
  0, 1, 42, 2 ** 53, 2 ** 53 + 2, -1, 1.5, NaN, '7', '', 'a.b', true, null, undefined, [], [1, 'x'], {}, { a: 1 },
  { receive_progress: true }, { receive_progress: 'yes' }, { timeout: 5 }, { timeout: -1 }, { timeout: 1.5 }, { progress: true },
  { progress: 1 }, Object.create(null) as object, JSON.parse('{"__proto__": {"x": 1}}') as object, new Date(0), Object.create({ inherited: 1 }) as object,
];

describe('CALL and YIELD checked by hand', () => {
  it('accepts only what the zod schemas accept, and gives what they give', () => {
    const pick = random(20261207);
    const any = () => VALUES[Math.floor(pick() * VALUES.length)];
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) {
      const type = pick() < 0.5 ? 48 : 70;
      const length = 1 + Math.floor(pick() * 7);
      const raw: unknown[] = [type];
      for (let j = 1; j < length; j++) raw.push(any());
      // Well-formed ones often enough to matter: an ID, a dict, a URI in their places.
      if (pick() < 0.5 && length > 2) (raw[1] = Math.floor(pick() * 1000)), (raw[2] = pick() < 0.5 ? {} : any());
      if (type === 48 && length > 3 && pick() < 0.5) raw[3] = 'com.example.proc';
      const hot = hotMessage(raw);
      if (!hot) continue;
      accepted++;
      const judged = parseBySchema(schemaOf(type), raw);
      expect(judged, JSON.stringify(raw)).toEqual({ ok: true, message: hot });
    }
    expect(accepted).toBeGreaterThan(500);
  });

  it('leaves every other message type to zod', () => {
    expect(hotMessage([16, 1, {}, 'topic'])).toBeUndefined();
    expect(hotMessage([64, 1, {}, 'proc'])).toBeUndefined();
  });
});
