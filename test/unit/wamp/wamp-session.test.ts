import autobahn from 'autobahn';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EmbeddedRouter } from '../../../src/router/embedded-router.js';
import type { Call } from '../../../src/wamp/call.js';
import { RegistrationError } from '../../../src/wamp/registration-error.js';
import type { WampSession } from '../../../src/wamp/wamp-session.js';
import type { WampClient } from '../../helpers/wamp-client.js';
import { waitFor } from '../../helpers/wait-for.js';
import { callWithProgress, connect, fail, startRouter, startSession, type SessionKind } from './session-fixture.js';

const never = () => new Promise<never>(() => undefined);

describe.each<SessionKind>(['local', 'autobahn'])('berth session (%s) on the embedded router', (kind) => {
  let router: EmbeddedRouter;
  let session: WampSession;
  let client: WampClient;

  beforeEach(async () => {
    router = await startRouter();
    ({ session } = await startSession(kind, router));
    client = await connect(router);
  });

  afterEach(async () => {
    await client?.close();
    await session?.stop();
    await router?.stop();
  });

  it('answers calls with the caller disclosed to the handler', async () => {
    let seen: Call | undefined;
    await session.register('berth/list', async (call) => {
      seen = call;
      return [{ name: 'web1', args: call.args, kwargs: call.kwargs }];
    });
    expect(await client.call('berth/list', [1, 'two'], { three: 3 })).toEqual([{ name: 'web1', args: [1, 'two'], kwargs: { three: 3 } }]);
    expect(seen!.caller).toEqual({ session: client.session.id, authid: expect.any(String), authrole: 'anonymous' });
    expect(seen!.procedure).toBe('berth/list');
  });

  it('a prefix registration answers the URIs under it with the concrete URI called in call.procedure; exact ones win', async () => {
    const seen: Call[] = [];
    await session.register('berth/', async (call) => {
      seen.push(call);
      return call.procedure;
    }, { match: 'prefix' });
    await session.register('berth/list', async () => 'exact');
    expect(await client.call('berth/web1/top')).toBe('berth/web1/top');
    expect(await client.call('berth/list')).toBe('exact');
    expect(seen.map((c) => c.procedure)).toEqual(['berth/web1/top']);
    expect(seen[0]!.caller).toEqual({ session: client.session.id, authid: expect.any(String), authrole: 'anonymous' });
    // A result too large names the concrete procedure (its hint depends on it).
    await session.register('other/', async () => 'x'.repeat(1_200_000), { match: 'prefix' });
    expect((await client.callError('other/web1/logs')).args[0]).toMatch(/of other\/web1\/logs .*smaller tail/);
  });

  it('sends progressive results when the caller asks for them', async () => {
    await session.register('berth/build', async (call) => {
      call.progress?.('step 1');
      call.progress?.('step 2');
      return ['done'];
    });
    expect(await callWithProgress(client, 'berth/build')).toEqual({ progress: ['step 1', 'step 2'], result: ['done'] });
  });

  it('answers failures with the error URI, message and kwargs', async () => {
    await session.register('berth/web1/inspect', fail('no container web1'));
    expect(await client.callError('berth/web1/inspect')).toEqual({ error: 'berth.error.not_found', args: ['no container web1'], kwargs: { name: 'web1' } });
  });

  it('refuses a result over maxResultBytes with too_large and stays joined', async () => {
    await session.register('berth/web1/logs', async () => 'x'.repeat(1_200_000));
    await session.register('berth/list', async () => []);
    const failure = await client.callError('berth/web1/logs');
    expect(failure.error).toBe('berth.error.too_large');
    expect(failure.args[0]).toMatch(/1200004 bytes.*1000000.*smaller tail/);
    expect(failure.kwargs).toEqual({ bytes: 1_200_004, limit: 1_000_000 });
    expect(await client.call('berth/list')).toEqual([]);
    expect(await client.isRegistered('berth/web1/logs')).toBe(true);
  });

  it('refuses a progressive result over the limit: the call ends with too_large, berth stays joined', async () => {
    await session.register('berth/build', async (call) => {
      call.progress?.('small');
      call.progress?.('y'.repeat(1_100_000));
      call.progress?.('never sent');
      return ['never sent either'];
    });
    const { progress, error } = await callWithProgress(client, 'berth/build');
    expect(progress).toEqual(['small']);
    expect(error?.error).toBe('berth.error.too_large');
    expect(await client.isRegistered('berth/build')).toBe(true);
  });

  it('register rejects with a RegistrationError when the router refuses (a squatter holds the URI)', async () => {
    await client.session.register('berth/web2/logs', () => 'forged');
    const refused = await session.register('berth/web2/logs', async () => 'real').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RegistrationError);
    expect(refused).toMatchObject({ action: 'register', procedure: 'berth/web2/logs', error: 'wamp.error.procedure_already_exists' });
    // berth's other registrations are unaffected
    await session.register('berth/list', async () => []);
    expect(await client.call('berth/list')).toEqual([]);
  });

  it('register rejects a URI that is not a valid WAMP URI, before the router sees it', async () => {
    await expect(session.register('berth/a..b/logs', async () => null)).rejects.toBeInstanceOf(RegistrationError);
    await session.register('berth/list', async () => []);
    expect(await client.call('berth/list')).toEqual([]);
  });

  it('unregister takes the procedure away', async () => {
    await session.register('berth/web1/stop', async () => 'stopped');
    await session.unregister('berth/web1/stop');
    expect((await client.callError('berth/web1/stop')).error).toBe('wamp.error.no_such_procedure');
  });

  it('a canceled call answers the caller at once; berth stays joined', async () => {
    let started = 0;
    await session.register('berth/build', async () => {
      started++;
      return never();
    });
    await session.register('berth/list', async () => []);
    const pending = client.session.call('berth/build') as unknown as Promise<unknown> & { cancel(o: { mode: string }): void };
    await waitFor('the handler to run', () => started === 1, 5_000, 10);
    pending.cancel({ mode: 'kill' });
    const err = await pending.then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(autobahn.Error);
    expect((err as autobahn.Error).error).toBe('wamp.error.canceled');
    expect(await client.call('berth/list')).toEqual([]);
  });

  it('a caller that leaves mid-call leaves berth joined; the late answer goes nowhere', async () => {
    let finish!: (v: string) => void;
    await session.register('berth/slow', () => new Promise<string>((r) => (finish = r)));
    await session.register('berth/list', async () => []);
    void client.session.call('berth/slow').then(() => undefined, () => undefined);
    await waitFor('the handler to run', () => finish !== undefined, 5_000, 10);
    await client.close();
    finish('late');
    client = await connect(router);
    expect(await client.call('berth/list')).toEqual([]);
  });

  it('publishes to subscribers with its payload, and skips a topic that is not a valid URI', async () => {
    const events: unknown[] = [];
    await client.session.subscribe('berth/build/app', (args, kwargs) => void events.push({ args, kwargs }));
    await session.publish('berth/build/a..b', ['bad topic']);
    await session.publish('berth/build/app', ['line 1']);
    await session.publish('berth/build/app', [{ status: 'succeeded' }], { status: 'succeeded' });
    await waitFor('two events', () => events.length === 2, 5_000, 10);
    expect(events).toEqual([{ args: ['line 1'], kwargs: {} }, { args: [{ status: 'succeeded' }], kwargs: { status: 'succeeded' } }]);
    await session.register('berth/list', async () => []);
    expect(await client.call('berth/list')).toEqual([]);
  });
});

describe('berth session before it joins', () => {
  it('register and unregister resolve at once and apply at the join', async () => {
    await using router = await startRouter();
    const { LocalSession } = await import('../../../src/wamp/local-session.js');
    const { createLogger } = await import('../../../src/log.js');
    let ready = -1;
    const session = new LocalSession({ join: () => router.joinLocal('realm1', { authid: 'berth', authrole: 'berth' }), log: createLogger('silent'), maxResultBytes: 1_000_000, onReady: ({ procedures }) => (ready = procedures) });
    await session.register('berth/list', async () => ['listed']);
    await session.register('berth/gone', async () => null);
    await session.unregister('berth/gone');
    session.start();
    await waitFor('ready', () => ready >= 0, 5_000, 10);
    expect(ready).toBe(1);
    await using client = await connect(router);
    expect(await client.call('berth/list')).toEqual(['listed']);
    await session.stop();
    await session.stop();
    expect((await client.callError('berth/list')).error).toBe('wamp.error.no_such_procedure');
  });
});
