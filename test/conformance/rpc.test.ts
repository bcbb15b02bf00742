import autobahn from 'autobahn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outcome, sameOnAll, sleep, within } from './helpers/compare.js';
import { session } from './helpers/js-client.js';
import { OnNexus } from './helpers/on-nexus.js';
import { Targets } from './helpers/targets.js';

// autobahn-js against the three routers: every scenario's outcome on the embedded router must equal Crossbar.io's, and
// nexus's too unless OnNexus names why not.
describe('RPC (autobahn-js)', () => {
  let targets: Targets;
  beforeAll(async () => {
    targets = await Targets.start();
  });
  afterAll(async () => {
    await targets?.[Symbol.asyncDispose]();
  });

  it('register and call: positional result, args+kwargs result, no_such_procedure after unregister', async () => {
    await sameOnAll(targets, async (t) => {
      await using callee = await session(t);
      await using caller = await session(t);
      const reg = await callee.session.register('com.example.add2', (args) => (args![0] as number) + (args![1] as number));
      await callee.session.register('com.example.pair', () => new autobahn.Result(['a', 'b'], { k: 1 }));
      const sum = await outcome(caller.session.call('com.example.add2', [2, 3]));
      const pair = (await outcome(caller.session.call('com.example.pair'))) as { ok: autobahn.Result };
      await callee.session.unregister(reg);
      const gone = await outcome(caller.session.call('com.example.add2', [1, 1]));
      const never = await outcome(caller.session.call('com.example.never.registered'));
      return { sum, pair: { args: pair.ok.args, kwargs: pair.ok.kwargs }, gone: errorUri(gone), never: errorUri(never) };
    }, { sum: { ok: 5 }, pair: { args: ['a', 'b'], kwargs: { k: 1 } }, gone: 'wamp.error.no_such_procedure', never: 'wamp.error.no_such_procedure' });
  });

  const progressive = OnNexus.differs(['progress'], { progress: [], final: { ok: 'liftoff' } });
  it(progressive.title('progressive call results arrive in order before the final result'), async () => {
    await sameOnAll(targets, async (t) => {
      await using callee = await session(t);
      await using caller = await session(t);
      await callee.session.register('com.example.countdown', (args, _kw, details) => {
        const d = details as autobahn.IInvocation;
        for (let i = args![0] as number; i > 0; i--) d.progress?.([i], {});
        return 'liftoff';
      });
      const progress: unknown[] = [];
      const call = caller.session.call('com.example.countdown', [3], {}, { receive_progress: true });
      call.then(undefined, undefined, (p: unknown) => progress.push(p));
      const final = await outcome(call);
      return { progress, final };
    }, { progress: [3, 2, 1], final: { ok: 'liftoff' } }, progressive);
  });

  it('callee error: URI, args and kwargs reach the caller unchanged', async () => {
    await sameOnAll(targets, async (t) => {
      await using callee = await session(t);
      await using caller = await session(t);
      await callee.session.register('com.example.fail', () => {
        throw new autobahn.Error('com.example.error.custom', ['first', 2, { nested: [true, null] }], { reason: 'because', code: 42 });
      });
      await callee.session.register('com.example.fail_bare', () => {
        throw new autobahn.Error('berth.error.not_found', [], {});
      });
      return { full: await outcome(caller.session.call('com.example.fail')), bare: await outcome(caller.session.call('com.example.fail_bare')) };
    }, {
      full: { error: 'com.example.error.custom', args: ['first', 2, { nested: [true, null] }], kwargs: { reason: 'because', code: 42 } },
      bare: { error: 'berth.error.not_found', args: [], kwargs: {} },
    });
  });

  it('duplicate registration is refused with wamp.error.procedure_already_exists', async () => {
    await sameOnAll(targets, async (t) => {
      await using a = await session(t);
      await using b = await session(t);
      await a.session.register('com.example.dup', () => 'a');
      const other = await outcome(b.session.register('com.example.dup', () => 'b'));
      const again = await outcome(a.session.register('com.example.dup', () => 'a2'));
      const reserved = await outcome(a.session.register('wamp.my.procedure', () => 'x'));
      return { other: errorUri(other), again: errorUri(again), reserved: errorUri(reserved) };
    }, { other: 'wamp.error.procedure_already_exists', again: 'wamp.error.procedure_already_exists', reserved: 'wamp.error.invalid_uri' });
  });

  it('prefix and wildcard registrations: exact beats prefix, longest prefix wins, INVOCATION names the procedure', async () => {
    await sameOnAll(targets, async (t) => {
      await using callee = await session(t);
      await using caller = await session(t);
      const seen = (tag: string) => (_a: unknown, _k: unknown, d: unknown) => [tag, (d as autobahn.IInvocation).procedure ?? null];
      await callee.session.register('com.example.pre.', seen('short'), { match: 'prefix' } as autobahn.IRegisterOptions);
      await callee.session.register('com.example.pre.long.', seen('long'), { match: 'prefix' } as autobahn.IRegisterOptions);
      await callee.session.register('com.example.pre.long.exact', seen('exact'));
      await callee.session.register('com.example..get', seen('wild'), { match: 'wildcard' } as autobahn.IRegisterOptions);
      const call = async (uri: string) => ((await outcome(caller.session.call(uri))) as { ok?: unknown }).ok ?? 'error';
      return {
        short: await call('com.example.pre.a.b'),
        long: await call('com.example.pre.long.x'),
        exact: await call('com.example.pre.long.exact'),
        wild: await call('com.example.thing.get'),
        dotted: await call('com.example.pre.berth/web1/start'),
      };
    }, {
      short: ['short', 'com.example.pre.a.b'],
      long: ['long', 'com.example.pre.long.x'],
      exact: ['exact', 'com.example.pre.long.exact'],
      wild: ['wild', 'com.example.thing.get'],
      dotted: ['short', 'com.example.pre.berth/web1/start'],
    });
  });

  const shared = OnNexus.differs(['sharedPolicy'], { got: ['a', 'b', 'a', 'b'], conflict: 'wamp.error.procedure_already_exists' });
  it(shared.title('shared registration: roundrobin alternates between callees'), async () => {
    await sameOnAll(targets, async (t) => {
      await using a = await session(t);
      await using b = await session(t);
      await using caller = await session(t);
      await a.session.register('com.example.shared', () => 'a', { invoke: 'roundrobin' });
      await b.session.register('com.example.shared', () => 'b', { invoke: 'roundrobin' });
      const conflict = await outcome(caller.session.register('com.example.shared', () => 'c', { invoke: 'random' }));
      const got: unknown[] = [];
      for (let i = 0; i < 4; i++) got.push(((await outcome(caller.session.call('com.example.shared'))) as { ok: unknown }).ok);
      return { got, conflict: errorUri(conflict) };
    }, { got: ['a', 'b', 'a', 'b'], conflict: 'wamp.error.procedure_exists_with_different_invocation_policy' }, shared);
  });

  /** A callee that answers with what the router disclosed about its caller. */
  const whoami = (_a: unknown, _k: unknown, d: unknown) => {
    const inv = d as { caller?: number; caller_authid?: string; caller_authrole?: string };
    return [inv.caller ?? null, inv.caller_authrole ?? null, inv.caller_authid ?? null];
  };

  const anonymousDisclosed = OnNexus.differs(['disclosure'], { callerIsSession: false, authrole: null, hasAuthid: false });
  it(anonymousDisclosed.title('caller disclosure follows the role: on for anonymous'), async () => {
    await sameOnAll(targets, async (t) => {
      await using callee = await session(t);
      await using anon = await session(t);
      await callee.session.register('com.example.whoami', whoami);
      const a = ((await outcome(anon.session.call('com.example.whoami'))) as { ok: [number, string, string] }).ok;
      return { callerIsSession: a[0] === anon.id, authrole: a[1], hasAuthid: typeof a[2] === 'string' };
    }, { callerIsSession: true, authrole: 'anonymous', hasAuthid: true }, anonymousDisclosed);
  });

  const frontend = OnNexus.cannot('auth', 'roles');
  it(frontend.title('caller disclosure follows the role: off for frontend, even with disclose_me'), async () => {
    await sameOnAll(targets, async (t) => {
      await using callee = await session(t);
      await using alice = await session(t, { authmethods: ['wampcra'], authid: 'alice', secret: 'alice-secret' });
      await callee.session.register('com.example.whoami', whoami);
      return { disclosed: ((await outcome(alice.session.call('com.example.whoami', [], {}, { disclose_me: true }))) as { ok: unknown[] }).ok };
    }, { disclosed: [null, null, null] }, frontend);
  });

  const calleeGone = OnNexus.differs(['calleeGone'], {
    results: Array(3).fill({ error: 'wamp.error.canceled', args: ['callee gone'], kwargs: {} }),
    prompt: true,
    after: 'wamp.error.no_such_procedure',
  });
  it(calleeGone.title('a callee that disconnects with calls pending fails every one of them at once'), async () => {
    await sameOnAll(targets, async (t) => {
      const callee = await session(t);
      await using caller = await session(t);
      let invoked = 0;
      await callee.session.register('com.example.hang', () => {
        invoked++;
        return new Promise(() => undefined); // never answers
      });
      const calls = [1, 2, 3].map((i) => outcome(caller.session.call('com.example.hang', [i]), 3_000));
      await within('3 invocations', (async () => { while (invoked < 3) await sleep(20); })());
      const started = Date.now();
      callee.kill();
      const results = await Promise.all(calls);
      const prompt = Date.now() - started < 2_000;
      await sleep(100);
      const after = errorUri(await outcome(caller.session.call('com.example.hang')));
      return { results, prompt, after };
    }, (o) => {
      expect(o.prompt).toBe(true);
      expect(o.results).toEqual(Array(3).fill({ error: 'wamp.error.canceled', args: ['callee disconnected from in-flight request'], kwargs: {} }));
      expect(o.after).toBe('wamp.error.no_such_procedure');
    }, calleeGone);
  });

  const timeoutMs = OnNexus.differs(['timeoutMs'], (o: unknown) => expect(o).toMatchObject({
    timedOut: { error: 'wamp.error.timeout', args: ['call timeout'], kwargs: {} },
    after: expect.stringMatching(/^\d{1,3} ms$/), // 2 ms, read as milliseconds
    invocationTimeout: 'not shown',
    next: { ok: 'fast' },
  }));
  it(timeoutMs.title('call timeout is in seconds: timeout=2 cancels after 1-2 s (not 2 ms), the session stays usable'), async () => {
    // Crossbar.io's dealer schedules `timeout` with call_later(timeout) (seconds), and Autobahn clients send seconds; the
    // embedded router reads it the same way, so it is a drop-in. Crossbar.io's timer is batched in whole
    // seconds (txaio: the deadline is rounded down to a second), so timeout=2 fires after 1-2 s there, 2 s here.
    await sameOnAll(targets, async (t) => {
      await using callee = await session(t);
      await using caller = await session(t);
      let invocationTimeout: unknown;
      await callee.session.register('com.example.slow', (_a, _k, details) => {
        invocationTimeout = (details as { timeout?: unknown } | undefined)?.timeout ?? 'not shown';
        return new Promise((r) => setTimeout(() => r('late'), 5_000));
      });
      await callee.session.register('com.example.fast', () => 'fast');
      const t0 = Date.now();
      const timedOut = await outcome(caller.session.call('com.example.slow', [], {}, { timeout: 2 }), 7_000);
      const elapsed = Date.now() - t0;
      const next = await outcome(caller.session.call('com.example.fast'));
      // A millisecond reading would answer in a few ms.
      return { timedOut, after: elapsed >= 950 && elapsed < 2_800 ? '1-2 s' : `${elapsed} ms`, invocationTimeout, next };
    }, { timedOut: { error: 'wamp.error.canceled', args: ['timeout reached'], kwargs: {} }, after: '1-2 s', next: { ok: 'fast' } }, timeoutMs);
  });

  const meta = OnNexus.differs(['lookupNone'], { joinCounts: 1, leaveCounts: 1, listed: { exact: true, prefix: true }, lookup: true, lookupPrefix: true, lookupMissing: 0, lookupGone: 0 });
  it(meta.title('meta API: wamp.session.count, wamp.registration.list and wamp.registration.lookup'), async () => {
    await sameOnAll(targets, async (t) => {
      await using probe = await session(t);
      const before = (await probe.session.call('wamp.session.count')) as number;
      await using callee = await session(t);
      const during = (await probe.session.call('wamp.session.count')) as number;
      const exact = await callee.session.register('com.example.meta.exact', () => 1);
      const prefix = await callee.session.register('com.example.meta.', () => 1, { match: 'prefix' } as autobahn.IRegisterOptions);
      const list = (await probe.session.call('wamp.registration.list')) as { exact: number[]; prefix: number[]; wildcard: number[] };
      const lookup = await probe.session.call('wamp.registration.lookup', ['com.example.meta.exact']);
      const lookupPrefix = await probe.session.call('wamp.registration.lookup', ['com.example.meta.', { match: 'prefix' }]);
      const lookupMissing = await probe.session.call('wamp.registration.lookup', ['com.example.meta.none']);
      await callee.close();
      await sleep(100);
      const after = (await probe.session.call('wamp.session.count')) as number;
      const lookupGone = await probe.session.call('wamp.registration.lookup', ['com.example.meta.exact']);
      return {
        joinCounts: during - before,
        leaveCounts: during - after,
        listed: { exact: list.exact.includes(exact.id), prefix: list.prefix.includes(prefix.id) },
        lookup: lookup === exact.id,
        lookupPrefix: lookupPrefix === prefix.id,
        lookupMissing,
        lookupGone,
      };
    }, { joinCounts: 1, leaveCounts: 1, listed: { exact: true, prefix: true }, lookup: true, lookupPrefix: true, lookupMissing: null, lookupGone: null }, meta);
  });
});

function errorUri(o: unknown): string {
  const e = o as { error?: string; ok?: unknown; thrown?: string };
  return e.error ?? (e.thrown ? `thrown: ${e.thrown}` : 'ok');
}
