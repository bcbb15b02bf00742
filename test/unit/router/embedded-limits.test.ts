import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddedRouter, type RouterOptions } from '../../../src/router/embedded-router.js';
import { within } from '../../conformance/helpers/compare.js';
import { isType, RawClient } from '../../conformance/helpers/raw-client.js';
import type { Target } from '../../conformance/helpers/targets.js';

/**
 * The embedded router's limits, on a real EmbeddedRouter on loopback with raw WebSocket peers: per-session caps, backpressure, connection
 * caps, handshake timeouts, answers over the message limit and squatting. Every loop is bounded in count and time.
 */
const REALM = 'realm1';
const ALL = { call: true, register: true, publish: true, subscribe: true };
const ERROR = 8, REGISTERED = 65, SUBSCRIBED = 33, CALL = 48, RESULT = 50, INVOCATION = 68, YIELD = 70, PUBLISH = 16, PUBLISHED = 17, EVENT = 36;

/** berth's own role table (src/standalone-router.ts) with domain `berth`. */
const realms: RouterOptions['realms'] = [{
  name: REALM,
  roles: [{
    name: 'anonymous',
    permissions: [
      { uri: '', match: 'prefix', allow: ALL, disclose: { caller: true, publisher: true } },
      { uri: 'berth/', match: 'prefix', allow: { call: true, register: false, publish: false, subscribe: true }, disclose: { caller: true, publisher: true } },
    ],
  }],
}];

let router: EmbeddedRouter | undefined;
const clients: RawClient[] = [];
afterEach(async () => {
  await Promise.allSettled(clients.splice(0).map((c) => c[Symbol.asyncDispose]()));
  await router?.stop();
  router = undefined;
});

async function start(limits: RouterOptions['limits'] = {}, auth?: RouterOptions['auth']): Promise<Target> {
  router = await EmbeddedRouter.start({ listen: [{ host: '127.0.0.1', port: 0 }], realms, limits, ...(auth ? { auth } : {}) });
  return { name: 'embedded', url: router.urls[0]!, realm: REALM };
}

async function open(t: Target): Promise<RawClient> {
  const c = await RawClient.open(t);
  clients.push(c);
  return c;
}

/** Send a request and wait for its answer (success type, or ERROR for that request). */
async function request(c: RawClient, frame: unknown[], ok: number, ms = 5_000): Promise<unknown[]> {
  const id = frame[1] as number;
  c.send(frame);
  return c.next((m) => (m[0] === ok && m[1] === id) || (m[0] === ERROR && m[2] === id), ms);
}

/** A callee answering `com.example.echo`, and a caller: the bystanders whose calls must keep working. */
async function bystanders(t: Target): Promise<() => Promise<number>> {
  const callee = await open(t);
  callee.ws.on('message', (data) => {
    const m = JSON.parse(data.toString()) as unknown[];
    if (m[0] === INVOCATION) callee.send([YIELD, m[1], {}, ['echo']]);
  });
  await callee.register(1, 'com.example.echo');
  const caller = await open(t);
  let id = 1000;
  return async () => {
    const t0 = Date.now();
    const r = await request(caller, [CALL, ++id, {}, 'com.example.echo'], RESULT, 10_000);
    expect(r[0]).toBe(RESULT);
    return Date.now() - t0;
  };
}

describe('per-session caps', () => {
  it('registrations, subscriptions and pending calls over the cap get wamp.error.limit_exceeded; the session stays usable', async () => {
    const t = await start({ maxRegistrationsPerSession: 3, maxSubscriptionsPerSession: 3, maxPendingCallsPerSession: 2 });
    const c = await open(t);
    for (let i = 1; i <= 3; i++) expect((await request(c, [64, i, {}, `com.example.p${i}`], REGISTERED))[0]).toBe(REGISTERED);
    const refused = await request(c, [64, 4, { match: 'prefix' }, 'com.example.more.'], REGISTERED);
    expect(refused.slice(0, 5)).toEqual([ERROR, 64, 4, {}, 'wamp.error.limit_exceeded']);
    expect(refused[6]).toEqual({ limit: 'maxRegistrationsPerSession', max: 3 });

    for (let i = 1; i <= 3; i++) expect((await request(c, [32, 10 + i, {}, `com.example.t${i}`], SUBSCRIBED))[0]).toBe(SUBSCRIBED);
    expect((await request(c, [32, 14, {}, 'com.example.t4'], SUBSCRIBED)).slice(0, 5)).toEqual([ERROR, 32, 14, {}, 'wamp.error.limit_exceeded']);
    // Subscribing again to what it already holds is no new subscription.
    expect((await request(c, [32, 15, {}, 'com.example.t1'], SUBSCRIBED))[0]).toBe(SUBSCRIBED);

    // Pending calls: the callee (this same session) holds the first two unanswered.
    const caller = await open(t);
    caller.send([CALL, 21, {}, 'com.example.p1']);
    caller.send([CALL, 22, {}, 'com.example.p1']);
    const third = await request(caller, [CALL, 23, {}, 'com.example.p1'], RESULT);
    expect(third.slice(0, 5)).toEqual([ERROR, CALL, 23, {}, 'wamp.error.limit_exceeded']);
    const inv = await c.next(isType(INVOCATION));
    c.send([YIELD, inv[1], {}, ['done']]);
    await caller.next((m) => m[0] === RESULT);
    caller.send([CALL, 24, {}, 'com.example.p1']);
    const again = await c.next((m) => m[0] === INVOCATION && m[1] !== inv[1], 5_000, c.received.indexOf(inv) + 1);
    expect(again[0]).toBe(INVOCATION);
  });

  it('regression: 1000 prefix subscriptions held by a peer that stops reading, three 900 KB publishes → bounded RSS, bystanders answered', async () => {
    const t = await start();
    const ask = await bystanders(t);
    const topic = `amp.${'x'.repeat(1_100)}`;
    const slow = await open(t);
    // 1000 distinct prefixes of one topic: every publication to it matches all of them.
    for (let i = 0; i < 1_000; i++) slow.send([32, i + 1, { match: 'prefix' }, topic.slice(0, 5 + i)]);
    await slow.next((m) => m[0] === SUBSCRIBED && m[1] === 1_000, 20_000);
    expect(slow.all((m) => m[0] === SUBSCRIBED)).toHaveLength(1_000);
    slow.ws.pause(); // stops reading: the kernel's buffers fill, then the router's queue
    const publisher = await open(t);
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 20);
    try {
      const blob = 'z'.repeat(900 * 1024);
      for (let i = 0; i < 3; i++) {
        const ack = await request(publisher, [PUBLISH, 100 + i, { acknowledge: true }, topic, [blob]], PUBLISHED, 30_000);
        expect(ack[0]).toBe(PUBLISHED);
      }
      const elapsed = await ask();
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
      // Without backpressure this grew by about 2.7 GB (one 900 KB copy per match, all buffered).
      expect((rssPeak - rssBefore) / 2 ** 20).toBeLessThan(300);
      expect(elapsed).toBeLessThan(5_000);
      // The slow reader was disconnected at limits.maxQueuedBytesPerSession (it cannot see that while paused: ask the router).
      let sessions = 0;
      await within('slow peer dropped', (async () => {
        for (let i = 0; ; i++) {
          sessions = ((await request(publisher, [CALL, 500 + i, {}, 'wamp.session.count'], RESULT))[3] as number[])[0]!;
          if (sessions === 3) return;
          await new Promise((r) => setTimeout(r, 100));
        }
      })(), 10_000);
      expect(sessions).toBe(3);
    } finally {
      clearInterval(sampler);
    }
  }, 90_000);
});

describe('connections', () => {
  it('regression: a flood of 600 connections is refused past the cap with 503; the router keeps answering and frees the slots', async () => {
    const t = await start({ maxConnections: 100, maxConnectionsPerAddress: 40 });
    const ask = await bystanders(t); // 2 connections
    const statuses = new Map<string, number>();
    const opened: WebSocket[] = [];
    const attempt = () =>
      new Promise<void>((resolve) => {
        const ws = new WebSocket(t.url, ['wamp.2.json']);
        let settled = false;
        const done = (what: string) => {
          if (settled) return;
          settled = true;
          statuses.set(what, (statuses.get(what) ?? 0) + 1);
          resolve();
        };
        ws.once('open', () => (opened.push(ws), done('open')));
        ws.once('unexpected-response', (_req, res) => (done(String(res.statusCode)), res.resume(), ws.terminate()));
        ws.once('error', (err) => done(`error ${err.message}`));
      });
    try {
      for (let batch = 0; batch < 6; batch++) await within('flood batch', Promise.all(Array.from({ length: 100 }, attempt)), 30_000);
      expect(Object.fromEntries(statuses)).toEqual({ open: 38, 503: 562 });
      expect(await ask()).toBeLessThan(5_000);
    } finally {
      opened.forEach((ws) => ws.terminate());
    }
    // Closed connections give their slots back.
    await within('slots freed', (async () => {
      for (;;) {
        const c = await RawClient.open(t).catch(() => undefined);
        if (c) return clients.push(c);
        await new Promise((r) => setTimeout(r, 50));
      }
    })(), 10_000);
  }, 60_000);

  it('a connection that never says HELLO, or never answers its CHALLENGE, is closed after handshakeTimeoutMs', async () => {
    const t = await start({ handshakeTimeoutMs: 300 }, { anonymous: { role: 'anonymous' }, ticket: { principals: { svc: { ticket: 'secret-ticket', role: 'anonymous' } } } });
    const silent = await RawClient.open(t, { join: false });
    clients.push(silent);
    const challenged = await RawClient.open(t, { join: false });
    clients.push(challenged);
    challenged.send([1, REALM, { roles: { caller: {} }, authmethods: ['ticket'], authid: 'svc' }]);
    expect((await challenged.next(isType(4)))[1]).toBe('ticket');
    const t0 = Date.now();
    expect((await within('silent closed', silent.closed, 5_000)).code).toBe(1008);
    expect((await within('challenged closed', challenged.closed, 5_000)).code).toBe(1008);
    expect(Date.now() - t0).toBeLessThan(3_000);
  });
});

describe('answers over the message limit', () => {
  const LIMIT = 65_536;

  it('a RESULT larger than the caller accepts becomes wamp.error.payload_size_exceeded; nobody is disconnected', async () => {
    const t = await start({ maxMessageBytes: LIMIT });
    const callee = await open(t);
    await callee.register(1, 'com.example.big');
    const caller = await open(t);
    // The caller's request id is long and the invocation id short: a YIELD just under the limit makes a RESULT over it.
    const request = 2 ** 53 - 1;
    caller.send([CALL, request, {}, 'com.example.big']);
    const inv = await callee.next(isType(INVOCATION));
    const frame = (n: number) => JSON.stringify([YIELD, inv[1], {}, ['y'.repeat(n)]]);
    const fill = LIMIT - frame(0).length - 2;
    expect(frame(fill).length).toBeLessThanOrEqual(LIMIT);
    callee.send(frame(fill));
    const answer = await caller.next((m) => m[2] === request || m[1] === request);
    expect(answer.slice(0, 5)).toEqual([ERROR, CALL, request, {}, 'wamp.error.payload_size_exceeded']);
    expect(String((answer[5] as string[])[0])).toMatch(/larger than this session accepts \(65536 bytes\)/);
    // Both sessions are still there.
    await callee.register(2, 'com.example.small');
    caller.send([CALL, 7, {}, 'com.example.small']);
    const inv2 = await callee.next((m) => m[0] === INVOCATION && m[1] !== inv[1]);
    callee.send([YIELD, inv2[1], {}, ['ok']]);
    expect(await caller.next(isType(RESULT, 7))).toEqual([RESULT, 7, {}, ['ok']]);
  });

  it('a meta API result over the limit is an error, not a closed session', async () => {
    const t = await start({ maxMessageBytes: LIMIT });
    const callee = await open(t);
    for (let i = 0; i < 4_500; i++) callee.send([64, i + 1, {}, `com.example.p${i}`]);
    await callee.next((m) => m[0] === REGISTERED && m[1] === 4_500, 20_000);
    const probe = await open(t);
    const answer = await request(probe, [CALL, 1, {}, 'wamp.registration.list'], RESULT);
    expect(answer.slice(0, 5)).toEqual([ERROR, CALL, 1, {}, 'wamp.error.payload_size_exceeded']);
    expect((await request(probe, [CALL, 2, {}, 'wamp.session.count'], RESULT))[0]).toBe(RESULT);
  });

  it('an EVENT larger than a subscriber accepts is dropped for it; its session and the next event are fine', async () => {
    const t = await start({ maxMessageBytes: LIMIT });
    const sub = await open(t);
    expect((await request(sub, [32, 1, { match: 'prefix' }, 'com.example.'], SUBSCRIBED))[0]).toBe(SUBSCRIBED);
    const pub = await open(t);
    // EVENT details name the topic and the publisher (prefix subscription, disclosure on): bigger than the PUBLISH.
    const topic = `com.example.${'t'.repeat(2_000)}`;
    const frame = (n: number) => JSON.stringify([PUBLISH, 1, { acknowledge: true }, topic, ['e'.repeat(n)]]);
    pub.send(frame(LIMIT - frame(0).length - 10));
    expect((await pub.next(isType(PUBLISHED, 1)))[0]).toBe(PUBLISHED);
    expect((await request(pub, [PUBLISH, 2, { acknowledge: true }, 'com.example.small', ['hi']], PUBLISHED))[0]).toBe(PUBLISHED);
    const event = await sub.next(isType(EVENT));
    expect(event[4]).toEqual(['hi']);
    expect(sub.all(isType(EVENT))).toHaveLength(1);
  });
});

describe('squatting: patterns that would cover berth/ are refused on the wire', () => {
  it('prefix "berth", wildcard "", exact "Berth/create" → not_authorized; prefix "other." → registered', async () => {
    const t = await start();
    const squatter = await open(t);
    const cases: [Record<string, unknown>, string, number][] = [
      [{ match: 'prefix' }, 'berth', ERROR],
      [{ match: 'prefix' }, '', ERROR],
      [{ match: 'wildcard' }, '', ERROR],
      [{ match: 'wildcard' }, '.', ERROR],
      [{}, 'Berth/create', ERROR],
      [{ match: 'prefix' }, 'other.', REGISTERED],
      [{ match: 'wildcard' }, 'x..y', REGISTERED],
    ];
    let id = 0;
    for (const [options, uri, want] of cases) {
      const r = await request(squatter, [64, ++id, options, uri], REGISTERED);
      expect(r[0], `${JSON.stringify(options)} "${uri}"`).toBe(want);
      if (want === ERROR) expect(r[4]).toBe('wamp.error.not_authorized');
    }
  });
});
