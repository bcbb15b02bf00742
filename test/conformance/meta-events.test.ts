import { afterAll, beforeAll, describe, it } from 'vitest';
import { outcome, sameOnAll, sleep } from './helpers/compare.js';
import { session } from './helpers/js-client.js';
import { OnNexus } from './helpers/on-nexus.js';
import { Targets } from './helpers/targets.js';

/**
 * Subscription meta events (the logs topic: berth follows a container's logs only while its topic has subscribers, and learns
 * of them from these on both routers). Other files may share the routers, so only events about this scenario's own
 * topic count; sessions and subscriptions are named by role in the scenario, since their IDs differ per router.
 */
describe('subscription meta events (autobahn-js)', () => {
  let targets: Targets;
  beforeAll(async () => {
    targets = await Targets.start();
  });
  afterAll(async () => {
    await targets?.[Symbol.asyncDispose]();
  });

  const metaOnNexus = OnNexus.differs(['onCreateMatch', 'lastSubscriberLeft', 'lookupNone', 'countSubscribers'], {
    seen: [
      ['on_create', 'a', { uri: 'topic', match: '', created: 'string' }],
      ['on_subscribe', 'a', 'sub'],
      ['on_subscribe', 'b', 'sub'],
      ['on_unsubscribe', 'a', 'sub'],
      ['on_delete', 'b', 'sub'],
    ],
    noneBefore: null,
    lookup: 'sub',
    match: ['sub'],
    count: { error: 'wamp.error.no_such_procedure', args: [], kwargs: {} },
    noneAfter: 0,
  });
  it(metaOnNexus.title('on_create, on_subscribe, on_unsubscribe, on_delete (also when the last subscriber leaves); match, lookup, count_subscribers'), async () => {
    await sameOnAll(targets, async (t) => {
      const topic = `com.example.meta.${Math.random().toString(36).slice(2)}`;
      await using watcher = await session(t);
      await using a = await session(t);
      const b = await session(t);
      const seen: unknown[][] = [];
      let subId: number | undefined;
      const [aId, bId] = [a.id, b.id]; // autobahn forgets a session's ID once it closed
      const name = (v: unknown) => (v === aId ? 'a' : v === bId ? 'b' : v === subId ? 'sub' : v);
      for (const what of ['on_create', 'on_subscribe', 'on_unsubscribe', 'on_delete']) {
        await watcher.session.subscribe(`wamp.subscription.${what}`, (args?: unknown[]) => {
          const [sessionId, detail] = args ?? [];
          if (what === 'on_create') {
            const d = detail as { id: number; uri: string; match: string; created: string };
            if (d.uri !== topic) return;
            subId = d.id;
            seen.push([what, name(sessionId), { uri: 'topic', match: d.match, created: typeof d.created }]);
          } else if (detail === subId) seen.push([what, name(sessionId), name(detail)]);
        });
      }
      const noneBefore = await watcher.session.call('wamp.subscription.match', [topic]);
      const subA = await a.session.subscribe(topic, () => undefined);
      await b.session.subscribe(topic, () => undefined);
      await sleep(200);
      const lookup = name(await watcher.session.call('wamp.subscription.lookup', [topic]));
      const match = ((await watcher.session.call('wamp.subscription.match', [topic])) as number[]).map(name);
      const count = await outcome(watcher.session.call('wamp.subscription.count_subscribers', [subId]));
      await a.session.unsubscribe(subA);
      await b.close(); // the last subscriber leaves without unsubscribing
      await sleep(300);
      const noneAfter = await watcher.session.call('wamp.subscription.lookup', [topic]);
      return { seen, noneBefore, lookup, match, count, noneAfter };
    }, {
      seen: [
        ['on_create', 'a', { uri: 'topic', match: 'exact', created: 'string' }],
        ['on_subscribe', 'a', 'sub'],
        ['on_subscribe', 'b', 'sub'],
        ['on_unsubscribe', 'a', 'sub'],
        // Crossbar.io has forgotten a session's ID by the time it tells that the session left.
        ['on_unsubscribe', null, 'sub'],
        ['on_delete', null, 'sub'],
      ],
      noneBefore: null,
      lookup: 'sub',
      match: ['sub'],
      count: { ok: 2 },
      noneAfter: null,
    }, metaOnNexus);
  });

  // exec: berth kills the execs of a caller that left, and hears it leave by this event on both routers.
  const onLeave = OnNexus.differs(['onLeave'], { seen: [['on_leave', 'a', 3]] });
  it(onLeave.title('wamp.session.on_leave: args [session] when a session leaves (closed or lost)'), async () => {
    await sameOnAll(targets, async (t) => {
      await using watcher = await session(t);
      const a = await session(t);
      const aId = a.id;
      const seen: unknown[][] = [];
      await watcher.session.subscribe('wamp.session.on_leave', (args?: unknown[]) => {
        if (args?.[0] === aId) seen.push(['on_leave', 'a', args.length]);
      });
      await sleep(100);
      await a.close();
      await sleep(300);
      return { seen };
    }, { seen: [['on_leave', 'a', 1]] }, onLeave);
  });
});
