import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddedRouter, type RouterOptions } from '../../../src/router/embedded-router.js';
import { within } from '../../conformance/helpers/compare.js';
import { codec, KINDS, SerialPeer, type Kind } from './serial-peer.js';

/** Every limit counts bytes on the wire, measured in the session's own serializer. */
const ALL = { call: true, register: true, publish: true, subscribe: true };
const ERROR = 8, CALL = 48, RESULT = 50, REGISTERED = 65, INVOCATION = 68, YIELD = 70;

let router: EmbeddedRouter | undefined;
const peers: SerialPeer[] = [];
afterEach(async () => {
  await Promise.allSettled(peers.splice(0).map((p) => p[Symbol.asyncDispose]()));
  await router?.stop();
  router = undefined;
});

async function start(limits: RouterOptions['limits'], authorize?: RouterOptions['authorize']): Promise<string> {
  router = await EmbeddedRouter.start({
    listen: [{ host: '127.0.0.1', port: 0 }],
    realms: [{ name: 'realm1', roles: [{ name: 'anonymous', permissions: [{ uri: '', match: 'prefix', allow: ALL, disclose: { caller: false, publisher: false } }] }] }],
    limits,
    ...(authorize ? { authorize } : {}),
  });
  return router.urls[0]!;
}

async function open(url: string, kind: Kind): Promise<SerialPeer> {
  const p = await SerialPeer.open(url, kind);
  peers.push(p);
  return p;
}

describe('limits in bytes, per serializer', () => {
  it('maxMessageBytes outbound: a result that fits as msgpack/CBOR but not as JSON (base64 is 4/3 of the bytes) reaches only the binary callers', async () => {
    const url = await start({ maxMessageBytes: 2_000 });
    const blob = Buffer.alloc(1_600, 7);
    const callee = await open(url, 'cbor');
    callee.ws.on('message', () => {
      const m = callee.received.at(-1)!;
      if (m[0] === INVOCATION) callee.send([YIELD, m[1], {}, [blob]]);
    });
    callee.send([64, 1, {}, 'com.example.blob']);
    await callee.next((m) => m[0] === REGISTERED);
    for (const kind of KINDS) {
      const caller = await open(url, kind);
      caller.send([CALL, 1, {}, 'com.example.blob']);
      const answer = await caller.next((m) => (m[0] === RESULT || m[0] === ERROR) && m[m[0] === RESULT ? 1 : 2] === 1);
      if (kind === 'json') expect(answer.slice(0, 5)).toEqual([ERROR, CALL, 1, {}, 'wamp.error.payload_size_exceeded']);
      else expect(Buffer.from((answer[3] as Uint8Array[])[0]!)).toEqual(blob);
    }
  });

  it.each(KINDS)('maxMessageBytes inbound (%s): a frame one byte over is closed with 1009, one at the limit is read', async (kind) => {
    const url = await start({ maxMessageBytes: 1_000 });
    const frameOf = (n: number) => {
      // a PUBLISH whose frame is exactly n bytes in this serializer
      let pad = n;
      for (;;) {
        const f = codec[kind].encode([16, 1, {}, 'com.example.t', ['x'.repeat(pad)]]);
        const size = Buffer.byteLength(f);
        if (size === n) return f;
        pad += n - size;
      }
    };
    const ok = await open(url, kind);
    ok.sendRaw(frameOf(1_000) as Buffer, codec[kind].binary);
    ok.send([16, 2, { acknowledge: true }, 'com.example.t']);
    expect((await ok.next((m) => m[0] === 17))[1]).toBe(2);
    const over = await open(url, kind);
    over.sendRaw(frameOf(1_001) as Buffer, codec[kind].binary);
    expect((await within('close', over.closed)).code).toBe(1009);
  });

  it('regression: maxQueuedBytesPerSession counts the bytes of queued frames, not JSON characters (ü is 2 bytes)', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    // Every CALL waits for the gate: the session's later messages queue behind the first.
    const url = await start({ maxQueuedBytesPerSession: 3_000 }, async () => {
      await gate;
      return true;
    });
    const c = await open(url, 'json');
    const big = 'ü'.repeat(1_000); // 1,000 characters, 2,000 bytes
    c.send([CALL, 1, {}, 'com.example.nobody']);
    c.send([CALL, 2, {}, 'com.example.nobody', [big]]);
    c.send([CALL, 3, {}, 'com.example.nobody', [big]]); // 4,000 bytes queued (2,000 characters)
    const closed = await within('close', c.closed);
    release();
    expect(closed).toEqual({ code: 1002, reason: expect.stringContaining('too many messages while an authorization is pending') });
  });
});
