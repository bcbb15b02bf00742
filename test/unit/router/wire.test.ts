import { describe, expect, it } from 'vitest';
import { encode, frameSize, Payload } from '../../../src/router/wire.js';

describe('outbound frames (serialized once)', () => {
  const cases: [string, unknown[] | undefined, Record<string, unknown> | undefined][] = [
    ['no payload', undefined, undefined],
    ['empty args', [], undefined],
    ['args', [1, 'two', { three: 3 }], undefined],
    ['kwargs only', undefined, { a: 1 }],
    ['args and kwargs', ['x'], { b: [true, null] }],
    ['empty kwargs', ['x'], {}],
    ['non-ASCII', ['grüße ✓ 🚀'], { k: 'ü' }],
  ];
  for (const [name, args, kwargs] of cases) {
    it(`a message made from a shared payload is the same frame as serializing it whole (${name})`, () => {
      const payload = new Payload(args, kwargs);
      const message = payload.message([36, 123, 456, { topic: 'a.b' }]);
      expect(encode(message).toString('utf8')).toBe(JSON.stringify(message));
      expect(frameSize(payload.message([36, 1, 2, {}]))).toBe(Buffer.byteLength(JSON.stringify(payload.message([36, 1, 2, {}]))));
    });
  }
  it('one message object is encoded once (the same bytes for every subscriber)', () => {
    const message = new Payload(['x'.repeat(1000)], undefined).message([36, 1, 2, {}]);
    expect(encode(message)).toBe(encode(message));
    const plain = [50, 1, {}, ['r']];
    expect(encode(plain)).toBe(encode(plain));
    expect(frameSize(plain)).toBe(JSON.stringify(plain).length);
  });
});
