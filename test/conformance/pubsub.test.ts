import autobahn from 'autobahn';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { outcome, sameOnBoth, sleep } from './helpers/compare.js';
import { session, type Client } from './helpers/js-client.js';
import { Targets } from './helpers/targets.js';

type Seen = { topic: string; args: unknown[]; kwargs: unknown; publisher: 'self' | 'other' | null; publisherAuthrole: string | null };

/** Subscribe and record every event, with the publisher reduced to something comparable across routers. */
async function record(c: Client, topic: string, publisherId: () => number, options?: autobahn.ISubscribeOptions): Promise<Seen[]> {
  const seen: Seen[] = [];
  await c.session.subscribe(topic, (args, kwargs, details) => {
    const d = details as autobahn.IEvent & { publisher_authrole?: string };
    const publisher = d.publisher === undefined ? null : d.publisher === publisherId() ? 'other' : 'self';
    seen.push({ topic: d.topic, args: args ?? [], kwargs: kwargs ?? {}, publisher, publisherAuthrole: d.publisher_authrole ?? null });
  }, options);
  return seen;
}

// Events are delivered asynchronously; a publish acknowledged to a third session is the router's "all sent" signal.
const settle = () => sleep(150);

describe('PubSub (autobahn-js)', () => {
  let targets: Targets;
  beforeAll(async () => {
    targets = await Targets.start();
  });
  afterAll(async () => {
    await targets?.[Symbol.asyncDispose]();
  });

  it('exact and prefix subscriptions, payload unchanged, EVENT names the topic for prefix', async () => {
    await sameOnBoth(targets, async (t) => {
      await using pub = await session(t);
      await using sub = await session(t);
      const exact = await record(sub, 'com.example.news', () => pub.id);
      const prefix = await record(sub, 'com.example.', () => pub.id, { match: 'prefix' });
      await pub.session.publish('com.example.news', [1, 'two', { three: 3 }], { k: [true] }, { acknowledge: true });
      await pub.session.publish('com.example.other', ['x'], {}, { acknowledge: true });
      await pub.session.publish('org.elsewhere', ['nope'], {}, { acknowledge: true });
      await settle();
      return { exact, prefix };
    }, {
      exact: [{ topic: 'com.example.news', args: [1, 'two', { three: 3 }], kwargs: { k: [true] }, publisher: 'other', publisherAuthrole: 'anonymous' }],
      prefix: [
        { topic: 'com.example.news', args: [1, 'two', { three: 3 }], kwargs: { k: [true] }, publisher: 'other', publisherAuthrole: 'anonymous' },
        { topic: 'com.example.other', args: ['x'], kwargs: {}, publisher: 'other', publisherAuthrole: 'anonymous' },
      ],
    });
  });

  it('exclude_me (default on) and acknowledge', async () => {
    await sameOnBoth(targets, async (t) => {
      await using me = await session(t);
      await using other = await session(t);
      const mine = await record(me, 'com.example.echo', () => other.id);
      const theirs = await record(other, 'com.example.echo', () => me.id);
      const ack = await outcome(me.session.publish('com.example.echo', ['default'], {}, { acknowledge: true }));
      await me.session.publish('com.example.echo', ['include me'], {}, { acknowledge: true, exclude_me: false });
      const noAck = me.session.publish('com.example.echo', ['no ack']);
      await settle();
      return {
        acknowledged: typeof (ack as { ok?: { id?: number } }).ok?.id === 'number',
        noAckResolvesToUndefined: (await noAck) === undefined,
        mine: mine.map((e) => e.args[0]),
        theirs: theirs.map((e) => e.args[0]),
      };
    }, { acknowledged: true, noAckResolvesToUndefined: true, mine: ['include me'], theirs: ['default', 'include me', 'no ack'] });
  });

  it('publisher disclosure follows the role; eligible/exclude filter subscribers', async () => {
    await sameOnBoth(targets, async (t) => {
      await using anon = await session(t);
      await using alice = await session(t, { authmethods: ['wampcra'], authid: 'alice', secret: 'alice-secret' });
      await using a = await session(t);
      await using b = await session(t);
      const seenA = await record(a, 'com.example.filtered', () => anon.id);
      const seenB = await record(b, 'com.example.filtered', () => anon.id);
      await anon.session.publish('com.example.filtered', ['all'], {}, { acknowledge: true });
      await anon.session.publish('com.example.filtered', ['only a'], {}, { acknowledge: true, eligible: [a.id] });
      await anon.session.publish('com.example.filtered', ['not a'], {}, { acknowledge: true, exclude: [a.id] });
      await alice.session.publish('com.example.filtered', ['from frontend'], {}, { acknowledge: true, disclose_me: true });
      await settle();
      return { a: seenA.map((e) => [e.args[0], e.publisher, e.publisherAuthrole]), b: seenB.map((e) => [e.args[0], e.publisher, e.publisherAuthrole]) };
    }, {
      a: [['all', 'other', 'anonymous'], ['only a', 'other', 'anonymous'], ['from frontend', null, null]],
      b: [['all', 'other', 'anonymous'], ['not a', 'other', 'anonymous'], ['from frontend', null, null]],
    });
  });

  it('unsubscribe stops delivery; refused publish/subscribe and reserved topics are errors only when acknowledged', async () => {
    await sameOnBoth(targets, async (t) => {
      await using pub = await session(t);
      await using sub = await session(t);
      await using alice = await session(t, { authmethods: ['wampcra'], authid: 'alice', secret: 'alice-secret' });
      const seen: unknown[] = [];
      const s = await sub.session.subscribe('com.example.once', (args) => seen.push(args?.[0]));
      await pub.session.publish('com.example.once', [1], {}, { acknowledge: true });
      await settle();
      await sub.session.unsubscribe(s);
      await pub.session.publish('com.example.once', [2], {}, { acknowledge: true });
      await settle();
      const e = (o: unknown) => (o as { error?: string }).error ?? 'ok';
      return {
        seen,
        refusedPublish: e(await outcome(alice.session.publish('com.shop.orders', ['x'], {}, { acknowledge: true }))),
        refusedSubscribe: e(await outcome(alice.session.subscribe('com.shop.admin', () => undefined))),
        allowedSubscribe: e(await outcome(alice.session.subscribe('com.shop.orders', () => undefined))),
        reserved: e(await outcome(pub.session.publish('wamp.my.topic', [], {}, { acknowledge: true }))),
        quiet: e(await outcome(alice.session.publish('com.shop.orders', ['x']))),
      };
    }, {
      seen: [1],
      refusedPublish: 'wamp.error.not_authorized',
      refusedSubscribe: 'wamp.error.not_authorized',
      allowedSubscribe: 'ok',
      reserved: 'wamp.error.invalid_uri',
      quiet: 'ok',
    });
  });
});
