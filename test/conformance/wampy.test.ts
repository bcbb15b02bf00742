import autobahn from 'autobahn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outcome, sameOnAll, within } from './helpers/compare.js';
import { session } from './helpers/js-client.js';
import { OnNexus } from './helpers/on-nexus.js';
import { Targets } from './helpers/targets.js';
import { SERIALIZATIONS, WampyClient, wampyOutcome, type Serialization } from './helpers/wampy-client.js';

// wampy 8 in JSON, msgpack and CBOR against the three routers, also across serializers: outcomes on the embedded router
// must equal Crossbar.io's, and nexus's too unless OnNexus names why not.
describe('wampy in every serializer', () => {
  let targets: Targets;
  beforeAll(async () => {
    targets = await Targets.start();
  });
  afterAll(async () => {
    await targets?.[Symbol.asyncDispose]();
  });

  const unique = () => Math.random().toString(36).slice(2, 8);
  // wampy sends options it was not given as `undefined` (msgpackr's ext 0, CBOR's undefined), which Crossbar.io refuses
  // by closing the session; the embedded router reads them as unset (a deliberate difference, docs/router.md). Given
  // explicitly, both routers take them.
  const SET_OPTIONS = { match: 'exact', get_retained: false } as const;

  it('joins in each serializer (the router answers in the one offered)', async () => {
    await sameOnAll(targets, async (t) => {
      const joined: Record<string, unknown> = {};
      for (const s of SERIALIZATIONS) {
        await using c = await WampyClient.open(t, s);
        // wampy's msgpack reads 64-bit integers as BigInt: an ID beyond 2^32 must be an integer on the wire (not float64).
        joined[s] = { authrole: c.welcome.authrole, authmethod: c.welcome.authmethod, session: typeof c.w.getSessionId() };
      }
      return joined;
    }, { json: { session: 'number' }, msgpack: { session: 'bigint' }, cbor: { session: 'number' } });
  });

  const pairs: [Serialization, Serialization][] = [['cbor', 'msgpack'], ['msgpack', 'json'], ['json', 'cbor'], ['msgpack', 'msgpack']];
  const callOnNexus = OnNexus.differs(['progress', 'disclosure'], {
    progress: [],
    final: { ok: { args: ['done', 1, 'grüße ✓', 2 ** 31 - 1, -1.5], kwargs: { got: { k: [null, true] }, caller_disclosed: 'undefined' } } },
    failed: { error: 'com.example.error.custom', args: ['first', 2, { nested: [true, null] }], kwargs: { code: 42 } },
    missing: 'wamp.error.no_such_procedure',
  });
  it.each(pairs)(callOnNexus.title('a wampy-%s caller and a wampy-%s callee: register, call with progressive results, callee error, no_such_procedure'), async (callerKind, calleeKind) => {
    await sameOnAll(targets, async (t) => {
      await using callee = await WampyClient.open(t, calleeKind);
      await using caller = await WampyClient.open(t, callerKind);
      const procedure = `D/op${unique()}`;
      await callee.w.register(procedure, ({ argsList, argsDict, details, result_handler }) => {
        if (argsList?.[0] === 'fail') throw { error: 'com.example.error.custom', argsList: ['first', 2, { nested: [true, null] }], argsDict: { code: 42 } };
        if (details.receive_progress) for (const n of [3, 2, 1]) result_handler({ argsList: [n], options: { progress: true } });
        return { argsList: ['done', ...(argsList ?? [])], argsDict: { got: argsDict ?? {}, caller_disclosed: typeof details.caller } };
      });
      const progress: unknown[] = [];
      const final = await wampyOutcome(caller.w.call(procedure, { argsList: [1, 'grüße ✓', 2 ** 31 - 1, -1.5], argsDict: { k: [null, true] } }, { progress_callback: (p) => void progress.push(p.argsList) }));
      const failed = await wampyOutcome(caller.w.call(procedure, ['fail']));
      const missing = await wampyOutcome(caller.w.call(`D/none${unique()}`));
      return { progress, final, failed, missing: (missing as { error?: string }).error };
    }, (crossbar) => expect(JSON.parse(JSON.stringify(crossbar, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)))).toMatchObject({
      progress: [[3], [2], [1]],
      final: { ok: { args: ['done', 1, 'grüße ✓', 2 ** 31 - 1, -1.5], kwargs: { got: { k: [null, true] }, caller_disclosed: calleeKind === 'msgpack' ? 'bigint' : 'number' } } },
      failed: { error: 'com.example.error.custom', args: ['first', 2, { nested: [true, null] }], kwargs: { code: 42 } },
      missing: 'wamp.error.no_such_procedure',
    }), callOnNexus);
  });

  const publishOnNexus = OnNexus.differs(['disclosure'], {
    acknowledged: 'bigint',
    events: Object.fromEntries(SERIALIZATIONS.map((s) => [s, { args: ['hello', { n: 1 }], kwargs: { ü: 'ß' }, publisher: 'undefined', authrole: undefined }])),
  });
  it(publishOnNexus.title('publish/subscribe: one wampy-msgpack publication reaches wampy subscribers in every serializer, with publisher disclosure'), async () => {
    await sameOnAll(targets, async (t) => {
      const topic = `com.example.wampy.${unique()}`;
      const subscribers = await Promise.all(SERIALIZATIONS.map((s) => WampyClient.open(t, s)));
      try {
        const received = await Promise.all(subscribers.map(async (s) => {
          let got: (e: unknown) => void = () => undefined;
          const event = new Promise((resolve) => (got = resolve));
          await within('subscribe', s.w.subscribe(topic, ({ argsList, argsDict, details }) => got({ args: argsList, kwargs: argsDict, publisher: typeof details.publisher, authrole: details.publisher_authrole }), SET_OPTIONS));
          return { event }; // wrapped: an async function returning the promise itself would wait for the event here
        }));
        await using publisher = await WampyClient.open(t, 'msgpack');
        const ack = await within('publish', publisher.w.publish(topic, { argsList: ['hello', { n: 1 }], argsDict: { ü: 'ß' } }, { exclude_me: false }));
        const events = await within('events', Promise.all(received.map((r) => r.event)));
        return { acknowledged: typeof ack.publicationId, events: Object.fromEntries(SERIALIZATIONS.map((s, i) => [s, events[i]])) };
      } finally {
        await Promise.all(subscribers.map((s) => s[Symbol.asyncDispose]()));
      }
    }, {
      acknowledged: 'bigint', // the publisher speaks msgpack: a publication ID beyond 2^32 is an integer on the wire
      events: Object.fromEntries(SERIALIZATIONS.map((s) => [s, { args: ['hello', { n: 1 }], kwargs: { ü: 'ß' }, publisher: s === 'msgpack' ? 'bigint' : 'number', authrole: 'anonymous' }])),
    }, publishOnNexus);
  });

  it('an autobahn-js (JSON) peer with a wampy-msgpack peer, both ways', async () => {
    await sameOnAll(targets, async (t) => {
      await using ab = await session(t);
      await using mp = await WampyClient.open(t, 'msgpack');
      const p1 = `com.example.ab${unique()}`;
      const p2 = `D/mp${unique()}`;
      await ab.session.register(p1, (args, kwargs) => new autobahn.Result(['from autobahn', ...(args ?? [])], kwargs ?? {}));
      await mp.w.register(p2, ({ argsList, argsDict }) => ({ argsList: ['from wampy', ...(argsList ?? [])], argsDict }));
      const fromWampy = await wampyOutcome(mp.w.call(p1, { argsList: [1, 'ü'], argsDict: { k: 2 } }));
      const fromAutobahn = await outcome(ab.session.call(p2, [3, 'ß'], { k: 4 }));
      const r = fromAutobahn as { ok?: autobahn.Result };
      return { fromWampy, fromAutobahn: r.ok ? { args: r.ok.args, kwargs: r.ok.kwargs } : fromAutobahn };
    }, {
      fromWampy: { ok: { args: ['from autobahn', 1, 'ü'], kwargs: { k: 2 } } },
      fromAutobahn: { args: ['from wampy', 3, 'ß'], kwargs: { k: 4 } },
    });
  });

  const binaryOnNexus = OnNexus.differs(['binaryJson'], {
    json: [{ value: 'AAEC+v8=' }, { value: '\u0000AAEC+v8=' }],
    cbor: [{ bytes: [0, 1, 2, 250, 255] }, { bytes: [0, 1, 2, 250, 255] }],
  });
  it(binaryOnNexus.title('binary: msgpack/CBOR bytes reach a JSON peer as "\\0"+base64, and JSON\'s "\\0"+base64 reaches them as bytes'), async () => {
    await sameOnAll(targets, async (t) => {
      const bytes = [0, 1, 2, 250, 255];
      const asJson = `\u0000${Buffer.from(bytes).toString('base64')}`;
      await using callee = await WampyClient.open(t, 'msgpack');
      const procedure = `com.example.bytes${unique()}`;
      const describe = (v: unknown) => (v instanceof Uint8Array ? { bytes: [...v] } : { value: v });
      await callee.w.register(procedure, ({ argsList }) => ({ argsList: [Uint8Array.from(bytes), ...(argsList ?? []).map(describe)] }));
      const shown = async (kind: Serialization, arg: unknown) => {
        await using caller = await WampyClient.open(t, kind);
        const r = (await wampyOutcome(caller.w.call(procedure, [arg]))) as { ok?: { args: unknown[] } };
        return r.ok ? r.ok.args.map((v, i) => (i === 0 ? describe(v) : v)) : r;
      };
      return { json: await shown('json', asJson), cbor: await shown('cbor', Buffer.from(bytes)) };
    }, {
      json: [{ value: '\u0000AAEC+v8=' }, { bytes: [0, 1, 2, 250, 255] }],
      cbor: [{ bytes: [0, 1, 2, 250, 255] }, { bytes: [0, 1, 2, 250, 255] }],
    }, binaryOnNexus);
  });
});
