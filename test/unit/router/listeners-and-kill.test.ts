import { afterEach, describe, expect, it } from 'vitest';
import type { HelloInfo } from '../../../src/router/authenticate.js';
import { EmbeddedRouter, type RouterOptions } from '../../../src/router/embedded-router.js';
import { RawClient } from '../../conformance/helpers/raw-client.js';

/** Tenancy, router side: named listeners seen by the authenticator, and killing every session of an authid. */
const REALM = 'realm1';
const ALL = { call: true, register: true, publish: true, subscribe: true };
const realms: RouterOptions['realms'] = [{ name: REALM, roles: [{ name: 'user', permissions: [{ uri: '', match: 'prefix', allow: ALL }] }] }];
const GOODBYE = 6, ABORT = 3, WELCOME = 2, CALL = 48, RESULT = 50, ERROR = 8, INVOCATION = 68, YIELD = 70;

let router: EmbeddedRouter | undefined;
const clients: RawClient[] = [];
afterEach(async () => {
  await Promise.allSettled(clients.splice(0).map((c) => c[Symbol.asyncDispose]()));
  await router?.stop();
  router = undefined;
});

/** Joins as `authid` (the authenticator below welcomes whoever says who they are). */
async function join(url: string, authid: string): Promise<RawClient> {
  const c = await RawClient.open({ name: 'embedded', url, realm: REALM }, { join: false });
  clients.push(c);
  c.send([1, REALM, { roles: { caller: {}, callee: {} }, authid, authmethods: ['anonymous'] }]);
  const w = await c.next((m) => m[0] === WELCOME || m[0] === ABORT);
  if (w[0] !== WELCOME) throw new Error(`refused: ${JSON.stringify(w)}`);
  c.sessionId = w[1] as number;
  return c;
}

describe('listeners carry a name; the authenticator sees it and the local address', () => {
  it('HelloInfo.listener and localAddress tell which listener and address a client came in on', async () => {
    const seen: HelloInfo[] = [];
    router = await EmbeddedRouter.start({
      listen: [{ host: '127.0.0.1', port: 0, name: 'operators' }, { host: '::1', port: 0 }],
      realms,
      authenticate: (hello) => {
        seen.push(hello);
        return { outcome: 'welcome', authid: hello.authid ?? 'x', authrole: 'user', authmethod: 'anonymous', authprovider: 'test' };
      },
    });
    await join(router.urls[0]!, 'a');
    await join(router.urls[1]!, 'b');
    expect(seen.map((h) => [h.authid, h.listener, h.localAddress])).toEqual([['a', 'operators', '127.0.0.1'], ['b', undefined, '::1']]);
    expect(seen[0]!.peer).toMatch(/^127\.0\.0\.1:\d+$/);
  });
});

describe('killByAuthid (as Crossbar.io wamp.session.kill_by_authid)', () => {
  async function start(): Promise<string> {
    router = await EmbeddedRouter.start({
      listen: [{ host: '127.0.0.1', port: 0 }],
      realms,
      authenticate: (hello) => ({ outcome: 'welcome', authid: hello.authid ?? 'x', authrole: 'user', authmethod: 'anonymous', authprovider: 'test' }),
    });
    return router.urls[0]!;
  }

  it('every session of the authid gets GOODBYE wamp.close.killed and loses its registrations at once; others stay', async () => {
    const url = await start();
    const [x1, x2, y] = [await join(url, 'berth.web'), await join(url, 'berth.web'), await join(url, 'berth.other')];
    await x1.register(1, 'berth.web/hello');
    y.ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as unknown[];
      if (m[0] === INVOCATION) y.send([YIELD, m[1], {}, ['other']]);
    });
    await y.register(1, 'berth.other/hello');

    const killed = router!.killByAuthid(REALM, 'berth.web');
    expect(killed.sort()).toEqual([x1.sessionId, x2.sessionId].sort());
    // Gone before any GOODBYE is answered: a call right now finds no callee.
    y.send([CALL, 7, {}, 'berth.web/hello']);
    expect((await y.next((m) => m[0] === ERROR && m[2] === 7)).slice(4, 5)).toEqual(['wamp.error.no_such_procedure']);
    for (const x of [x1, x2]) {
      const bye = await x.next((m) => m[0] === GOODBYE);
      expect(bye[2]).toBe('wamp.close.killed');
      x.send([GOODBYE, {}, 'wamp.close.goodbye_and_out']);
      expect((await x.closed).code).toBe(1000);
    }
    y.send([CALL, 8, {}, 'berth.other/hello']);
    expect((await y.next((m) => m[0] === RESULT && m[1] === 8))[3]).toEqual(['other']);
    expect(router!.killByAuthid(REALM, 'berth.web')).toEqual([]);
    expect(router!.killByAuthid('other-realm', 'berth.other')).toEqual([]);
  });

  it('a killed client that never answers GOODBYE is disconnected anyway (bounded wait)', async () => {
    const url = await start();
    const x = await join(url, 'mute');
    const t0 = Date.now();
    expect(router!.killByAuthid(REALM, 'mute')).toEqual([x.sessionId]);
    const { code } = await x.closed;
    expect(code).toBe(1000);
    expect(Date.now() - t0).toBeLessThan(8_000);
  });

  it('custom reason and message, as kill_by_authid takes them', async () => {
    const url = await start();
    const x = await join(url, 'z');
    router!.killByAuthid(REALM, 'z', { reason: 'wamp.close.revoked', message: 'ticket revoked' });
    const bye = await x.next((m) => m[0] === GOODBYE);
    expect(bye.slice(1)).toEqual([{ message: 'ticket revoked' }, 'wamp.close.revoked']);
  });
});
