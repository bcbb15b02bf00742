import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedRouter } from '../../../src/router/embedded-router.js';
import { within } from '../../conformance/helpers/compare.js';
import { codec, KINDS, SerialPeer, type Kind } from './serial-peer.js';

/**
 * Frames that do not decode, or decode to something that is not plain WAMP data, in every serializer: each gets the
 * protocol's answer (close 1002), never a crash, a hang or an allocation the frame did not pay for. Then a seeded fuzz of
 * bit-flipped, truncated and random frames per serializer: the router stays up and a bystander's call still works.
 */
const ALL = { call: true, register: true, publish: true, subscribe: true };
const FUZZ_FRAMES = 300;

let router: EmbeddedRouter;
let url = '';
beforeAll(async () => {
  router = await EmbeddedRouter.start({
    listen: [{ host: '127.0.0.1', port: 0 }],
    realms: [{ name: 'realm1', roles: [{ name: 'anonymous', permissions: [{ uri: '', match: 'prefix', allow: ALL, disclose: { caller: false, publisher: false } }] }] }],
    limits: { maxConnectionsPerAddress: 10_000 },
  });
  url = router.urls[0]!;
});
afterAll(() => router.stop());

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** Send one frame on a fresh joined session; the close that follows, or 'open' if the session answers a GOODBYE after it (or nothing happens within `ms`). */
async function answer(kind: Kind, frame: Buffer | string, binary: boolean, ms = 2_000): Promise<{ code: number; reason: string } | 'open'> {
  const p = await SerialPeer.open(url, kind);
  try {
    p.sendRaw(frame, binary);
    // A frame the router took as a message: the answer to a GOODBYE after it proves it was handled and the session is
    // still there (messages of a session are handled in order).
    p.send([6, {}, 'wamp.close.normal']);
    const goodbye = p.next((m) => m[0] === 6, ms).then(() => 'open' as const, () => 'open' as const);
    return await Promise.race([p.closed, goodbye]);
  } finally {
    await p[Symbol.asyncDispose]();
  }
}

/** A bystander's call must still be answered. */
async function routerAnswers(): Promise<void> {
  await using callee = await SerialPeer.open(url, 'json');
  callee.ws.on('message', () => {
    const m = callee.received.at(-1)!;
    if (m[0] === 68) callee.send([70, m[1], {}, ['pong']]);
  });
  const procedure = `com.example.ping${Math.random().toString(36).slice(2)}`;
  callee.send([64, 1, {}, procedure]);
  await callee.next((m) => m[0] === 65);
  await using caller = await SerialPeer.open(url, 'msgpack');
  caller.send([48, 1, {}, procedure]);
  expect(await caller.next((m) => m[0] === 50)).toEqual([50, 1, {}, ['pong']]);
}

const protocolError = { code: 1002, reason: expect.stringMatching(/^WAMP Protocol Error/) };

describe('hostile frames get 1002', () => {
  it.each([
    ['json', 'a binary frame', Buffer.from('[1]'), true],
    ['msgpack', 'a text frame', '[48,1,{},"a.b"]', false],
    ['cbor', 'a text frame', '[48,1,{},"a.b"]', false],
  ] as const)('%s: %s (wrong frame type for the serializer)', async (kind, _what, frame, binary) => {
    expect(await answer(kind, frame, binary)).toEqual({ code: 1002, reason: expect.stringContaining('invalid serialization of WAMP message') });
  });

  const msgpack: [string, Buffer][] = [
    ['truncated', codec.msgpack.encode([48, 1, {}, 'com.example.p', ['x']]).subarray(0, 10) as Buffer],
    ['trailing bytes', Buffer.concat([codec.msgpack.encode([48, 1, {}, 'a.b']) as Buffer, hex('c0')])],
    ['str32 declaring 4 GiB', hex('94 30 01 80 db ffffffff 61')],
    ['array32 declaring 4 G items', hex('dd ffffffff 30')],
    ['map32 declaring 4 G entries', hex('94 30 01 df ffffffff a1 61')],
    ['bin32 declaring 4 GiB', hex('95 30 01 80 a3 612e62 91 c6 ffffffff 00')],
    ['timestamp extension', hex('95 30 01 80 a3 612e62 91 d6 ff 00000000')],
    ['fixext 1 other than undefined', hex('95 30 01 80 a3 612e62 91 d4 00 01')],
    ['msgpackr record definition (ext 0x72)', hex('95 30 01 80 a3 612e62 91 d4 72 00')],
    ['byte 0xc1', hex('94 30 01 80 c1')],
    ['map with an integer key', hex('94 30 01 81 01 02 a3 612e62')],
    ['nested 10,000 deep', Buffer.concat([Buffer.alloc(10_000, 0x91), hex('c0')])],
    ['not an array', codec.msgpack.encode({ hello: 1 }) as Buffer],
    ['an array that is not a WAMP message', codec.msgpack.encode([48, 'x', {}, 'a.b']) as Buffer],
    ['bytes where a URI must be', hex('94 30 01 80 c4 03 612e62')],
    ['bytes where the options dict must be', hex('94 30 01 c4 02 0102 a3 612e62')],
  ];
  it.each(msgpack)('msgpack: %s', async (_what, frame) => {
    expect(await answer('msgpack', frame, true)).toEqual(protocolError);
  });

  const cbor: [string, Buffer][] = [
    ['truncated', (codec.cbor.encode([48, 1, {}, 'com.example.p', ['x']]) as Buffer).subarray(0, 10)],
    ['trailing bytes', Buffer.concat([codec.cbor.encode([48, 1, {}, 'a.b']) as Buffer, hex('f6')])],
    ['text string declaring 2^64-1 bytes', hex('84 18 30 01 a0 7b ffffffffffffffff')],
    ['array declaring 4 G items', hex('9a ffffffff 01')],
    ['indefinite array never closed', hex('9f 18 30 01')],
    ['tag 1 (Date)', hex('85 18 30 01 a0 63 612e62 81 c1 1a 00000000')],
    ['tag 2 (bignum over a long byte string)', Buffer.concat([hex('85 18 30 01 a0 63 612e62 81 c2 59 ffff'), Buffer.alloc(0xffff, 0xff)])],
    ['tag 28/29 (shared references)', hex('85 18 30 01 a0 63 612e62 d8 1c 81 d8 1d 00')],
    ['tag 258 (Set)', hex('85 18 30 01 a0 63 612e62 d9 0102 80')],
    ['tag 27 (generic object)', hex('85 18 30 01 a0 63 612e62 81 d8 1b 82 65 4572726f72 61 78')],
    ['tag 64 on something other than bytes', hex('85 18 30 01 a0 63 612e62 81 d8 40 01')],
    ['simple value 16', hex('85 18 30 01 a0 63 612e62 81 f0')],
    ['map with an integer key', hex('84 18 30 01 a1 01 02 63 612e62')],
    ['reserved additional information', hex('84 18 30 01 bc')],
    ['nested 10,000 deep', Buffer.concat([Buffer.alloc(10_000, 0x81), hex('f6')])],
    ['a stray break', hex('84 18 30 01 ff')],
    ['not an array', codec.cbor.encode({ hello: 1 }) as Buffer],
  ];
  it.each(cbor)('cbor: %s', async (_what, frame) => {
    const t0 = Date.now();
    expect(await answer('cbor', frame, true)).toEqual(protocolError);
    expect(Date.now() - t0).toBeLessThan(1_500);
  });

  it('the router still answers after all of them', routerAnswers);
});

/** A small seeded PRNG (mulberry32), so a failing fuzz run can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SAMPLES: unknown[][] = [
  [48, 7, { receive_progress: true }, 'com.example.p', [1, 'ü', { a: [true, null, 2.5] }], { k: 'v' }],
  [16, 8, { acknowledge: true, exclude_me: false }, 'com.example.t', ['x', -1, 2 ** 40]],
  [64, 9, { match: 'prefix' }, 'com.example.'],
  [32, 10, { match: 'wildcard' }, 'com..t'],
  [70, 11, { progress: true }, [{ nested: { deeper: [1, 2, 3] } }]],
];

describe.each(KINDS)('fuzz (%s)', (kind) => {
  it(`${FUZZ_FRAMES} bit-flipped, truncated and random frames: each is 1002 or handled, the router stays up`, async () => {
    const random = prng(0xbe27 + kind.length);
    const outcomes = { closed1002: 0, handled: 0 };
    for (let i = 0; i < FUZZ_FRAMES; i++) {
      const sample = Buffer.from(codec[kind].encode(SAMPLES[i % SAMPLES.length]!));
      let frame: Buffer;
      const mode = i % 3;
      if (mode === 0) {
        frame = Buffer.from(sample);
        for (let f = 1 + Math.floor(random() * 4); f > 0; f--) frame[Math.floor(random() * frame.length)]! ^= 1 << Math.floor(random() * 8);
      } else if (mode === 1) frame = sample.subarray(0, Math.floor(random() * sample.length));
      else frame = Buffer.from(Array.from({ length: 1 + Math.floor(random() * 64) }, () => Math.floor(random() * 256)));
      const outcome = await answer(kind, kind === 'json' ? frame.toString('latin1') : frame, kind !== 'json', 2_000);
      if (outcome === 'open') outcomes.handled++;
      else if (outcome.code === 1002) outcomes.closed1002++;
      else {
        // 1002: not a message; 1007: not UTF-8 (ws); 1000: a flipped frame that became a valid ABORT.
        expect(outcome, `frame ${i} (${frame.toString('hex')})`).toEqual(expect.objectContaining({ code: expect.toSatisfy((c: number) => c === 1002 || c === 1007 || c === 1000) }));
      }
    }
    expect(outcomes.closed1002).toBeGreaterThan(FUZZ_FRAMES / 2);
    await routerAnswers();
  }, 120_000);
});
