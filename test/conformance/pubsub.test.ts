import autobahn from 'autobahn';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { outcome, sameOnAll, sleep } from './helpers/compare.js';
import { session, type Client } from './helpers/js-client.js';
import { OnNexus } from './helpers/on-nexus.js';
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

  const undisclosed = { publisher: null, publisherAuthrole: null };
  const exactAndPrefix = OnNexus.differs(['disclosure'], {
    exact: [{ topic: 'com.example.news', args: [1, 'two', { three: 3 }], kwargs: { k: [true] }, ...undisclosed }],
    prefix: [
      { topic: 'com.example.news', args: [1, 'two', { three: 3 }], kwargs: { k: [true] }, ...undisclosed },
      { topic: 'com.example.other', args: ['x'], kwargs: {}, ...undisclosed },
    ],
  });
  it(exactAndPrefix.title('exact and prefix subscriptions, payload unchanged, EVENT names the topic for prefix'), async () => {
    await sameOnAll(targets, async (t) => {
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
    }, exactAndPrefix);
  });

  it('exclude_me (default on) and acknowledge', async () => {
    await sameOnAll(targets, async (t) => {
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

  const filtered = OnNexus.differs(['disclosure'], { a: [['all', null, null], ['only a', null, null]], b: [['all', null, null], ['not a', null, null]] });
  it(filtered.title('publisher disclosure follows the role (anonymous: on); eligible/exclude filter subscribers'), async () => {
    await sameOnAll(targets, async (t) => {
      await using anon = await session(t);
      await using a = await session(t);
      await using b = await session(t);
      const seenA = await record(a, 'com.example.filtered', () => anon.id);
      const seenB = await record(b, 'com.example.filtered', () => anon.id);
      await anon.session.publish('com.example.filtered', ['all'], {}, { acknowledge: true });
      await anon.session.publish('com.example.filtered', ['only a'], {}, { acknowledge: true, eligible: [a.id] });
      await anon.session.publish('com.example.filtered', ['not a'], {}, { acknowledge: true, exclude: [a.id] });
      await settle();
      return { a: seenA.map((e) => [e.args[0], e.publisher, e.publisherAuthrole]), b: seenB.map((e) => [e.args[0], e.publisher, e.publisherAuthrole]) };
    }, {
      a: [['all', 'other', 'anonymous'], ['only a', 'other', 'anonymous']],
      b: [['all', 'other', 'anonymous'], ['not a', 'other', 'anonymous']],
    }, filtered);
  });

  const frontend = OnNexus.cannot('auth', 'roles');
  it(frontend.title('publisher disclosure follows the role (frontend: off, even with disclose_me)'), async () => {
    await sameOnAll(targets, async (t) => {
      await using alice = await session(t, { authmethods: ['wampcra'], authid: 'alice', secret: 'alice-secret' });
      await using sub = await session(t);
      const seen = await record(sub, 'com.example.frontend', () => alice.id);
      await alice.session.publish('com.example.frontend', ['from frontend'], {}, { acknowledge: true, disclose_me: true });
      await settle();
      return { seen: seen.map((e) => [e.args[0], e.publisher, e.publisherAuthrole]) };
    }, { seen: [['from frontend', null, null]] }, frontend);
  });

  const wampTopics = OnNexus.differs(['wampTopics'], { seen: [1], reserved: 'ok', reservedQuiet: 'ok' });
  it(wampTopics.title('unsubscribe stops delivery; a reserved topic is an error only when acknowledged'), async () => {
    await sameOnAll(targets, async (t) => {
      await using pub = await session(t);
      await using sub = await session(t);
      const seen: unknown[] = [];
      const s = await sub.session.subscribe('com.example.once', (args) => seen.push(args?.[0]));
      await pub.session.publish('com.example.once', [1], {}, { acknowledge: true });
      await settle();
      await sub.session.unsubscribe(s);
      await pub.session.publish('com.example.once', [2], {}, { acknowledge: true });
      await settle();
      return {
        seen,
        reserved: errorUri(await outcome(pub.session.publish('wamp.my.topic', [], {}, { acknowledge: true }))),
        reservedQuiet: errorUri(await outcome(pub.session.publish('wamp.my.topic', []))),
      };
    }, { seen: [1], reserved: 'wamp.error.invalid_uri', reservedQuiet: 'ok' }, wampTopics);
  });

  it(frontend.title('refused publish/subscribe are errors, a refused publish only when acknowledged'), async () => {
    await sameOnAll(targets, async (t) => {
      await using alice = await session(t, { authmethods: ['wampcra'], authid: 'alice', secret: 'alice-secret' });
      return {
        refusedPublish: errorUri(await outcome(alice.session.publish('com.shop.orders', ['x'], {}, { acknowledge: true }))),
        refusedSubscribe: errorUri(await outcome(alice.session.subscribe('com.shop.admin', () => undefined))),
        allowedSubscribe: errorUri(await outcome(alice.session.subscribe('com.shop.orders', () => undefined))),
        quiet: errorUri(await outcome(alice.session.publish('com.shop.orders', ['x']))),
      };
    }, { refusedPublish: 'wamp.error.not_authorized', refusedSubscribe: 'wamp.error.not_authorized', allowedSubscribe: 'ok', quiet: 'ok' }, frontend);
  });
});

const errorUri = (o: unknown) => (o as { error?: string }).error ?? 'ok';
