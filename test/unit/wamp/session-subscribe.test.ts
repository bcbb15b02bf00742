import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EmbeddedRouter } from '../../../src/router/embedded-router.js';
import type { WampSession } from '../../../src/wamp/wamp-session.js';
import type { WampClient } from '../../helpers/wamp-client.js';
import { waitFor } from '../../helpers/wait-for.js';
import { connect, REALM, startRouter, startSession, type SessionKind } from './session-fixture.js';

/** The logs topic: berth's session hears the router's meta events and asks its meta API (to know who follows a container's logs). */
describe.each<SessionKind>(['local', 'autobahn'])('berth session (%s): subscribe and call', (kind) => {
  let router: EmbeddedRouter;
  let session: WampSession;
  let joins: () => number;
  let client: WampClient;

  beforeEach(async () => {
    router = await startRouter();
    ({ session, joins } = await startSession(kind, router));
    client = await connect(router);
  });

  afterEach(async () => {
    await client?.close();
    await session?.stop();
    await router?.stop();
  });

  it('hears events with their arguments, and the meta events of others subscribing', async () => {
    const heard: unknown[][] = [];
    const created: unknown[][] = [];
    await session.subscribe('com.example.news', (args, kwargs) => void heard.push([args, kwargs]));
    await session.subscribe('wamp.subscription.on_create', (args) => void created.push(args));
    await client.session.publish('com.example.news', [1, 'two'], { k: true }, { acknowledge: true });
    await waitFor('the event', () => heard.length > 0, 5_000, 10);
    expect(heard[0]).toEqual([[1, 'two'], { k: true }]);
    await client.session.subscribe('com.example.logs', () => undefined);
    await waitFor('on_create', () => created.some((a) => (a[1] as { uri: string }).uri === 'com.example.logs'), 5_000, 10);
    expect(created.find((a) => (a[1] as { uri: string }).uri === 'com.example.logs')![0]).toBe(client.session.id);
  });

  it('calls the meta API: the first result argument, or the router error', async () => {
    await client.session.subscribe('com.example.logs', () => undefined);
    const id = await session.call('wamp.subscription.lookup', ['com.example.logs']);
    expect(typeof id).toBe('number');
    expect(await session.call('wamp.subscription.count_subscribers', [id])).toBe(1);
    expect(await session.call('wamp.subscription.lookup', ['com.example.none'])).toBeNull();
    await expect(session.call('wamp.subscription.get', [12345])).rejects.toMatchObject({ error: 'wamp.error.no_such_subscription' });
  });

  it('subscribes again on every join, then tells its onJoined listeners', async () => {
    if (kind === 'local') return; // the in-process session never leaves the router by itself
    const heard: unknown[] = [];
    let joined = 0;
    session.onJoined(() => void joined++);
    await session.subscribe('com.example.news', (args) => void heard.push(args[0]));
    router.killByAuthid(REALM, 'berth');
    await waitFor('berth to join again', () => joins() > 1 && joined > 0, 10_000, 10);
    await client.session.publish('com.example.news', ['after'], {}, { acknowledge: true });
    await waitFor('the event after the rejoin', () => heard.includes('after'), 5_000, 10);
  });
});
