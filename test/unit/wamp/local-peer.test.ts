import autobahn from 'autobahn';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EmbeddedRouter } from '../../../src/router/embedded-router.js';
import { MSG } from '../../../src/router/wamp-message.js';
import type { WampClient } from '../../helpers/wamp-client.js';
import { waitFor } from '../../helpers/wait-for.js';
import { connect, REALM, startRouter, startSession } from './session-fixture.js';

describe('berth as an in-process peer of the embedded router', () => {
  let router: EmbeddedRouter;
  let client: WampClient;

  beforeEach(async () => {
    router = await startRouter();
    client = await connect(router);
  });

  afterEach(async () => {
    await client?.close();
    await router?.stop();
  });

  it('is a session of the realm as authid and role berth, seen by the meta API', async () => {
    const peer = router.joinLocal(REALM, { authid: 'berth', authrole: 'berth' });
    const ids = await client.call<number[]>('wamp.session.list', [['berth']]);
    expect(ids).toEqual([peer.info.id]);
    peer.leave();
    peer.leave();
    expect(await client.call<number[]>('wamp.session.list', [['berth']])).toEqual([]);
  });

  it('refuses to join a realm or role the router does not have', () => {
    expect(() => router.joinLocal('nope', { authid: 'berth', authrole: 'berth' })).toThrow(/no realm/);
    expect(() => router.joinLocal(REALM, { authid: 'berth', authrole: 'nobody' })).toThrow(/no role/);
  });

  it('gets INTERRUPT when a caller cancels (kill), and its answer to it reaches the caller', async () => {
    const peer = router.joinLocal(REALM, { authid: 'berth', authrole: 'berth' });
    const got: unknown[][] = [];
    peer.onMessage = (m) => got.push(m);
    peer.receive({ type: 'register', request: 1, options: {}, procedure: 'berth/build' });
    await waitFor('REGISTERED', () => got.find((m) => m[0] === MSG.REGISTERED), 5_000, 10);
    const pending = client.session.call('berth/build') as unknown as Promise<unknown> & { cancel(o: { mode: string }): void };
    const invocation = await waitFor('INVOCATION', () => got.find((m) => m[0] === MSG.INVOCATION), 5_000, 10);
    pending.cancel({ mode: 'kill' });
    const interrupt = await waitFor('INTERRUPT', () => got.find((m) => m[0] === MSG.INTERRUPT), 5_000, 10);
    expect(interrupt).toEqual([MSG.INTERRUPT, invocation[1], { mode: 'kill' }]);
    peer.receive({ type: 'error', request: invocation[1] as number, details: {}, error: 'wamp.error.canceled', args: undefined, kwargs: undefined });
    const err = await pending.then(() => undefined, (e: unknown) => e);
    expect((err as autobahn.Error).error).toBe('wamp.error.canceled');
    peer.leave();
  });

  it('has no frame limit: a result over the router’s 1 MiB message limit does not cost berth its session', async () => {
    const { session } = await startSession('local', router, 4 * 1024 * 1024);
    await session.register('berth/web1/logs', async () => 'z'.repeat(2_000_000));
    await session.register('berth/list', async () => []);
    // the router will not send the caller a frame over its limit: the caller is told, berth stays joined
    await expect(client.call<string>('berth/web1/logs')).rejects.toMatchObject({ error: 'wamp.error.payload_size_exceeded' });
    expect(await client.call('berth/list')).toEqual([]);
    await session.stop();
  });
});
