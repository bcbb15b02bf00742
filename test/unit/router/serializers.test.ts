import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddedRouter } from '../../../src/router/embedded-router.js';
import { KINDS, SerialPeer, type Kind } from './serial-peer.js';

/** wamp.2.json, wamp.2.msgpack and wamp.2.cbor on a real EmbeddedRouter: negotiation, each codec, peers of different serializers together. */
const ALL = { call: true, register: true, publish: true, subscribe: true };
const ERROR = 8, SUBSCRIBED = 33, EVENT = 36, CALL = 48, RESULT = 50, REGISTERED = 65, INVOCATION = 68, YIELD = 70, PUBLISH = 16;

let router: EmbeddedRouter | undefined;
const peers: SerialPeer[] = [];
afterEach(async () => {
  await Promise.allSettled(peers.splice(0).map((p) => p[Symbol.asyncDispose]()));
  await router?.stop();
  router = undefined;
});

async function start(limits = {}): Promise<string> {
  router = await EmbeddedRouter.start({
    listen: [{ host: '127.0.0.1', port: 0 }],
    realms: [{ name: 'realm1', roles: [{ name: 'anonymous', permissions: [{ uri: '', match: 'prefix', allow: ALL, disclose: { caller: true, publisher: true } }] }] }],
    limits,
  });
  return router.urls[0]!;
}

async function open(url: string, kind: Kind, options: Parameters<typeof SerialPeer.open>[2] = {}): Promise<SerialPeer> {
  const p = await SerialPeer.open(url, kind, options);
  peers.push(p);
  return p;
}

/** A callee of `procedure` that answers every invocation with `answer(args, kwargs)` as its YIELD args. */
async function callee(url: string, kind: Kind, procedure: string, answer: (args: unknown[], kwargs: unknown) => unknown[] = (a) => a): Promise<SerialPeer> {
  const c = await open(url, kind);
  c.ws.on('message', () => {
    const m = c.received.at(-1)!;
    if (m[0] === INVOCATION) c.send([YIELD, m[1], {}, answer((m[4] as unknown[]) ?? [], m[5])]);
  });
  c.send([64, 1, {}, procedure]);
  await c.next((m) => m[0] === REGISTERED);
  return c;
}

/** The status and chosen subprotocol of an upgrade that offers `protocols`. */
function upgrade(url: string, protocols: string[]): Promise<{ status: number; protocol?: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = httpRequest({
      host: u.hostname, port: u.port, path: u.pathname, timeout: 5_000,
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Protocol': protocols.join(', ') },
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, protocol: res.headers['sec-websocket-protocol'] });
    });
    req.on('response', (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0 });
    });
    req.on('timeout', () => req.destroy(new Error('upgrade timed out')));
    req.on('error', reject);
    req.end();
  });
}

describe('subprotocol negotiation', () => {
  it('the first subprotocol the client offers that the router speaks, in the client order; none of them → 400', async () => {
    const url = await start();
    expect(await upgrade(url, ['wamp.2.cbor', 'wamp.2.json'])).toEqual({ status: 101, protocol: 'wamp.2.cbor' });
    expect(await upgrade(url, ['wamp.2.json', 'wamp.2.msgpack'])).toEqual({ status: 101, protocol: 'wamp.2.json' });
    expect(await upgrade(url, ['wamp.2.msgpack.batched', 'wamp.2.ubjson', 'wamp.2.msgpack'])).toEqual({ status: 101, protocol: 'wamp.2.msgpack' });
    expect(await upgrade(url, ['wamp.2.ubjson', 'wamp.2.flatbuffers'])).toEqual({ status: 400 });
    expect(await upgrade(url, [])).toEqual({ status: 400 });
  });
});

describe.each(KINDS)('%s peers', (kind) => {
  it('join, register, call with args and kwargs, progressive results, errors, publish and subscribe', async () => {
    const url = await start();
    const c = await open(url, kind);
    c.ws.on('message', () => {
      const m = c.received.at(-1)!;
      if (m[0] !== INVOCATION) return;
      if ((m[4] as unknown[])[0] === 'fail') return c.send([ERROR, INVOCATION, m[1], {}, 'com.example.failed', ['no'], { why: 'asked' }]);
      c.send([YIELD, m[1], { progress: true }, ['partial']]);
      c.send([YIELD, m[1], {}, m[4] as unknown[], m[5] as Record<string, unknown>]);
    });
    c.send([64, 1, {}, 'com.example.echo']);
    await c.next((m) => m[0] === REGISTERED);
    const caller = await open(url, kind);
    caller.send([CALL, 2, { receive_progress: true }, 'com.example.echo', [1, 'ü', 2.5, null, [true]], { k: { n: -7 } }]);
    const result = await caller.next((m) => m[0] === RESULT && m[1] === 2 && !(m[2] as { progress?: boolean }).progress);
    expect(result).toEqual([RESULT, 2, {}, [1, 'ü', 2.5, null, [true]], { k: { n: -7 } }]);
    expect(caller.received.find((m) => m[0] === RESULT && m[1] === 2)).toEqual([RESULT, 2, { progress: true }, ['partial']]);
    caller.send([CALL, 3, {}, 'com.example.echo', ['fail']]);
    expect(await caller.next((m) => m[0] === ERROR && m[2] === 3)).toEqual([ERROR, CALL, 3, {}, 'com.example.failed', ['no'], { why: 'asked' }]);
    caller.send([32, 4, {}, 'com.example.topic']);
    await caller.next((m) => m[0] === SUBSCRIBED);
    c.send([PUBLISH, 5, {}, 'com.example.topic', ['hi'], { n: 1 }]);
    const event = await caller.next((m) => m[0] === EVENT);
    expect(event.slice(3)).toEqual([{ publisher: c.sessionId, publisher_authid: expect.any(String), publisher_authrole: 'anonymous' }, ['hi'], { n: 1 }]);
  });
});

describe('peers of different serializers', () => {
  it('a JSON caller, a msgpack callee, a CBOR caller: the same values arrive', async () => {
    const url = await start();
    await callee(url, 'msgpack', 'com.example.echo', (a) => [...a, 'from msgpack']);
    for (const kind of ['json', 'cbor'] as const) {
      const caller = await open(url, kind);
      caller.send([CALL, 7, {}, 'com.example.echo', [{ nested: [1, 2 ** 40, -1.5, 'grüße ✓'] }, null]]);
      expect(await caller.next((m) => m[0] === RESULT)).toEqual([RESULT, 7, {}, [{ nested: [1, 2 ** 40, -1.5, 'grüße ✓'] }, null, 'from msgpack']]);
    }
  });

  it('one publication reaches JSON, msgpack and CBOR subscribers, each in its own serializer', async () => {
    const url = await start();
    const subscribers = await Promise.all(KINDS.map((k) => open(url, k)));
    for (const s of subscribers) s.send([32, 1, { match: 'prefix' }, 'com.example.']);
    await Promise.all(subscribers.map((s) => s.next((m) => m[0] === SUBSCRIBED)));
    const publisher = await open(url, 'cbor');
    publisher.send([PUBLISH, 2, {}, 'com.example.news', ['x'.repeat(500)], { n: 1 }]);
    for (const s of subscribers) {
      const e = await s.next((m) => m[0] === EVENT);
      expect(e.slice(3)).toEqual([expect.objectContaining({ topic: 'com.example.news' }), ['x'.repeat(500)], { n: 1 }]);
    }
  });

  it('binary: msgpack bin and CBOR bytes reach JSON peers as "\\0"+base64, and JSON\'s "\\0"+base64 reaches msgpack/CBOR peers as bytes', async () => {
    const url = await start();
    const bytes = Buffer.from([0, 1, 2, 250, 255]);
    const json = `\u0000${bytes.toString('base64')}`;
    await callee(url, 'msgpack', 'com.example.bytes', (a) => [bytes, a[0], { inner: bytes }]);
    const jsonCaller = await open(url, 'json');
    jsonCaller.send([CALL, 1, {}, 'com.example.bytes', [json]]);
    expect(await jsonCaller.next((m) => m[0] === RESULT)).toEqual([RESULT, 1, {}, [json, json, { inner: json }]]);
    const cborCaller = await open(url, 'cbor');
    cborCaller.send([CALL, 2, {}, 'com.example.bytes', [bytes]]);
    const r = await cborCaller.next((m) => m[0] === RESULT);
    expect((r[3] as unknown[]).slice(0, 2).map((v) => Buffer.from(v as Uint8Array))).toEqual([bytes, bytes]);
    expect(Buffer.from((r[3] as { inner: Uint8Array }[])[2]!.inner)).toEqual(bytes);
    // a JSON callee answering a msgpack caller: its "\0" string arrives as bin
    await callee(url, 'json', 'com.example.jsonbytes', () => [json, 'plain text']);
    const mp = await open(url, 'msgpack');
    mp.send([CALL, 3, {}, 'com.example.jsonbytes', []]);
    const r2 = await mp.next((m) => m[0] === RESULT);
    expect(Buffer.isBuffer((r2[3] as unknown[])[0]) || (r2[3] as unknown[])[0] instanceof Uint8Array).toBe(true);
    expect(Buffer.from((r2[3] as Uint8Array[])[0]!)).toEqual(bytes);
    expect((r2[3] as unknown[])[1]).toBe('plain text');
  });

  it('what wampy sends: undefined options (msgpackr ext 0, CBOR undefined) are unset options; a CBOR tag-64 Uint8Array is bytes', async () => {
    const url = await start();
    for (const kind of ['msgpack', 'cbor'] as const) {
      const s = await open(url, kind);
      s.send([32, 1, { match: undefined, get_retained: undefined }, `com.example.${kind}`]);
      expect((await s.next((m) => m[0] === SUBSCRIBED || m[0] === ERROR))[0]).toBe(SUBSCRIBED);
    }
    const json = await open(url, 'json');
    json.send([32, 1, {}, 'com.example.tagged']);
    await json.next((m) => m[0] === SUBSCRIBED);
    const cbor = await open(url, 'cbor');
    cbor.send([PUBLISH, 2, {}, 'com.example.tagged', [new Uint8Array([1, 2, 3])]]); // cbor-x tags a Uint8Array with 64 in Node
    expect((await json.next((m) => m[0] === EVENT))[4]).toEqual(['\u0000AQID']);
  });
});
