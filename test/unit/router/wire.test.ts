import { describe, expect, it } from 'vitest';
import { SERIALIZERS } from '../../../src/router/serializer.js';
import { encode, frameSize, Payload } from '../../../src/router/wire.js';

describe('outbound frames (serialized once per serializer)', () => {
  const cases: [string, unknown[] | undefined, Record<string, unknown> | undefined][] = [
    ['no payload', undefined, undefined],
    ['empty args', [], undefined],
    ['args', [1, 'two', { three: 3 }], undefined],
    ['kwargs only', undefined, { a: 1 }],
    ['args and kwargs', ['x'], { b: [true, null] }],
    ['empty kwargs', ['x'], {}],
    ['non-ASCII', ['grüße ✓ 🚀'], { k: 'ü' }],
  ];
  for (const s of SERIALIZERS) {
    for (const [name, args, kwargs] of cases) {
      it(`${s.name}: a message made from a shared payload is the same frame as serializing it whole (${name})`, () => {
        const payload = new Payload(args, kwargs);
        const message = payload.message([36, 123, 456, { topic: 'a.b' }]);
        expect(encode(message, s)).toEqual(s.encode([...message]));
        const decoded = s.decode(encode(message, s));
        expect(decoded.ok && decoded.value).toEqual(message);
        expect(frameSize(payload.message([36, 1, 2, {}]), s)).toBe(s.encode([...payload.message([36, 1, 2, {}])]).length);
      });
    }
    it(`${s.name}: one message object is encoded once (the same bytes for every subscriber)`, () => {
      const message = new Payload(['x'.repeat(1000)], undefined).message([36, 1, 2, {}]);
      expect(encode(message, s)).toBe(encode(message, s));
      const plain = [50, 1, {}, ['r']];
      expect(encode(plain, s)).toBe(encode(plain, s));
      expect(frameSize(plain, s)).toBe(s.encode([50, 1, {}, ['r']]).length);
    });
  }
  it('the JSON frame is JSON.stringify of the message', () => {
    const [json] = SERIALIZERS;
    const message = new Payload(['grüße'], { k: 1 }).message([36, 1, 2, {}]);
    expect(encode(message, json!).toString('utf8')).toBe(JSON.stringify(message));
  });
});

describe('integers on the binary wire', () => {
  it('integers beyond 32 bits (WAMP IDs up to 2^53) are msgpack/CBOR integers, not float64', async () => {
    const { unpack } = await import('msgpackr');
    const { decode } = await import('cbor-x');
    const [, msgpack, cbor] = SERIALIZERS;
    const message = [2, 2 ** 53 - 1, { n: -(2 ** 40), f: 1.5, small: 7 }];
    const m = msgpack!.encode(message);
    expect(unpack(m)).toEqual([2, BigInt(2 ** 53 - 1), { n: BigInt(-(2 ** 40)), f: 1.5, small: 7 }]);
    const c = cbor!.encode(message);
    expect(c[2]).toBe(0x1b); // uint64 head of the second element
    expect(decode(c)).toEqual([2, BigInt(2 ** 53 - 1), { n: BigInt(-(2 ** 40)), f: 1.5, small: 7 }]);
    for (const s of [msgpack!, cbor!]) expect(s.decode(s.encode(message))).toEqual({ ok: true, value: message, binary: undefined });
  });
});
