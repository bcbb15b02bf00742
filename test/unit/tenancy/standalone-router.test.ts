import { afterEach, describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config.js';
import { mintTicket } from '../../../src/container-ticket.js';
import type { ContainerRecord, Engine } from '../../../src/engine/engine.js';
import { LABELS } from '../../../src/engine/labels.js';
import { createLogger } from '../../../src/log.js';
import { startStandaloneRouter, type StandaloneRouter } from '../../../src/standalone-router.js';
import { RawClient } from '../../conformance/helpers/raw-client.js';

/**
 * berth's embedded router as the daemon starts it (tenancy), on loopback: the engine's "bridge gateway" is ::1 here, so
 * the containers' listener is [::1] and --listen is 127.0.0.1.
 */
const ABORT = 3, WELCOME = 2, CHALLENGE = 4, AUTHENTICATE = 5, GOODBYE = 6, ERROR = 8, PUBLISH = 16, PUBLISHED = 17, REGISTER = 64, REGISTERED = 65, SUBSCRIBE = 32, SUBSCRIBED = 33, CALL = 48;
const ROLES = { caller: {}, callee: { features: { pattern_based_registration: true } }, publisher: {}, subscriber: { features: { pattern_based_subscription: true } } };
const web = mintTicket();
const records = new Map<string, ContainerRecord>([['web', { name: 'web', labels: { [LABELS.ticket]: web.hash } } as unknown as ContainerRecord]]);
let gatewayAddress = '::1';
const engine = { fetchBridgeGateway: async () => gatewayAddress } as unknown as Engine;

let router: StandaloneRouter | undefined;
const clients: RawClient[] = [];
afterEach(async () => {
  await Promise.allSettled(clients.splice(0).map((c) => c[Symbol.asyncDispose]()));
  await router?.stop();
  router = undefined;
  gatewayAddress = '::1';
});

async function start(file: Record<string, unknown> = {}): Promise<{ listen: string; containers: string }> {
  const config = configSchema.parse({ listen: '127.0.0.1:0', domain: 'berth', ...file });
  router = await startStandaloneRouter(config, engine, createLogger('silent'), { containers: { getReplicas: (n) => [records.get(n)].filter((r) => r !== undefined), ready: async () => undefined } });
  const port = new URL(router.containerUrl).port;
  return { listen: router.url, containers: `ws://[::1]:${port}/ws` };
}

/** HELLO (answering a challenge with `secret`): the WELCOME or ABORT frame, and the client. */
async function join(url: string, details: Record<string, unknown> = {}, secret = ''): Promise<{ c: RawClient; answer: unknown[] }> {
  const c = await RawClient.open({ name: 'embedded', url, realm: 'realm1' }, { join: false });
  clients.push(c);
  c.send([1, 'realm1', { roles: ROLES, ...details }]);
  let answer = await c.next((m) => [WELCOME, ABORT, CHALLENGE].includes(m[0] as number));
  if (answer[0] === CHALLENGE) {
    c.send([AUTHENTICATE, secret, {}]);
    answer = await c.next((m) => m[0] === WELCOME || m[0] === ABORT);
  }
  if (answer[0] === WELCOME) c.sessionId = answer[1] as number;
  return { c, answer };
}

let request = 100;
async function ask(c: RawClient, frame: unknown[], ok: number): Promise<unknown[]> {
  const id = ++request;
  c.send([frame[0], id, ...frame.slice(1)]);
  return c.next((m) => (m[0] === ok && m[1] === id) || (m[0] === ERROR && m[2] === id));
}
const errorOf = (m: unknown[]) => (m[0] === ERROR ? m[4] : 'ok');

describe('the containers listener (bridge gateway)', () => {
  it('refuses anonymous and wrong tickets; welcomes a container with its own ticket as role container', async () => {
    const { containers } = await start();
    const anonymous = (await join(containers)).answer;
    expect(anonymous.slice(1)).toEqual([{ message: expect.stringContaining('cannot authenticate') }, 'wamp.error.no_auth_method']);
    expect((await join(containers, { authmethods: ['ticket'], authid: 'berth.web' }, 'wrong')).answer[2]).toBe('wamp.error.authentication_failed');
    expect((await join(containers, { authmethods: ['ticket'], authid: 'berth.other' }, web.ticket)).answer[2]).toBe('wamp.error.authentication_failed');
    const { answer } = await join(containers, { authmethods: ['ticket', 'anonymous'], authid: 'berth.web' }, web.ticket);
    expect(answer[0]).toBe(WELCOME);
    expect(answer[2]).toMatchObject({ authid: 'berth.web', authrole: 'container', authmethod: 'ticket' });
  });

  it('a container registers and publishes only in its own domain, and may not call the appliance or D._…', async () => {
    const { containers } = await start();
    const { c } = await join(containers, { authmethods: ['ticket'], authid: 'berth.web' }, web.ticket);
    expect(errorOf(await ask(c, [REGISTER, {}, 'berth.web/hello'], REGISTERED))).toBe('ok');
    expect(errorOf(await ask(c, [REGISTER, {}, 'berth.other/hello'], REGISTERED))).toBe('wamp.error.not_authorized');
    expect(errorOf(await ask(c, [REGISTER, {}, 'berth/build'], REGISTERED))).toBe('wamp.error.not_authorized');
    expect(errorOf(await ask(c, [REGISTER, { match: 'prefix' }, 'berth.web'], REGISTERED))).toBe('wamp.error.not_authorized');
    expect(errorOf(await ask(c, [PUBLISH, { acknowledge: true }, 'berth.other/news'], PUBLISHED))).toBe('wamp.error.not_authorized');
    expect(errorOf(await ask(c, [PUBLISH, { acknowledge: true }, 'berth.web/news'], PUBLISHED))).toBe('ok');
    expect(errorOf(await ask(c, [CALL, {}, 'berth/create', ['img', 'x']], 50))).toBe('wamp.error.not_authorized');
    expect(errorOf(await ask(c, [CALL, {}, 'wamp.session.list'], 50))).toBe('wamp.error.not_authorized');
    expect(errorOf(await ask(c, [SUBSCRIBE, {}, 'berth/build/x'], SUBSCRIBED))).toBe('wamp.error.not_authorized');
    expect(errorOf(await ask(c, [SUBSCRIBE, {}, 'berth.other/news'], SUBSCRIBED))).toBe('ok');
  });

  it('killSessions ends every session of that authid (GOODBYE wamp.close.killed) and nothing else', async () => {
    const { containers, listen } = await start();
    const { c } = await join(containers, { authmethods: ['ticket'], authid: 'berth.web' }, web.ticket);
    const { c: viaListen } = await join(listen, { authmethods: ['ticket'], authid: 'berth.web' }, web.ticket);
    const { c: bystander } = await join(listen);
    expect(router!.killSessions('berth.web').sort()).toEqual([c.sessionId, viaListen.sessionId].sort());
    for (const x of [c, viaListen]) expect((await x.next((m) => m[0] === GOODBYE))[2]).toBe('wamp.close.killed');
    expect(errorOf(await ask(bystander, [REGISTER, {}, 'com.example.x'], REGISTERED))).toBe('ok');
  });
});

describe('one listener that containers reach (--listen on the gateway itself, or a wildcard)', () => {
  it('a client that came in on the gateway address is judged as on the containers listener', async () => {
    gatewayAddress = '127.0.0.1'; // --listen is the gateway: no second listener, the local address decides
    const { listen } = await start();
    expect(new URL(router!.containerUrl).port).toBe(new URL(listen).port);
    expect((await join(listen)).answer[2]).toBe('wamp.error.no_auth_method');
    expect((await join(listen, { authmethods: ['ticket'], authid: 'berth.web' }, web.ticket)).answer[2]).toMatchObject({ authrole: 'container' });
  });
});

describe('the --listen listener', () => {
  it('anonymous by default, as role anonymous; the squatting rules hold under the fabric policy', async () => {
    const { listen } = await start();
    const { c, answer } = await join(listen);
    expect(answer[2]).toMatchObject({ authrole: 'anonymous' });
    for (const [uri, match] of [['berth', 'prefix'], ['b', 'prefix'], ['', 'prefix'], ['', 'wildcard'], ['BERTH/create', 'exact'], ['Berth/create', 'exact'], ['berth/create', 'exact'], ['berth/x/top', 'exact'], ['berth/', 'prefix'], ['berth.web/hello', 'exact']] as const) {
      expect(errorOf(await ask(c, [REGISTER, { match }, uri], REGISTERED)), `${match} "${uri}"`).toBe('wamp.error.not_authorized');
    }
    expect(errorOf(await ask(c, [PUBLISH, { acknowledge: true }, 'berth/build/x'], PUBLISHED))).toBe('wamp.error.not_authorized');
    expect(errorOf(await ask(c, [REGISTER, {}, 'com.example.add'], REGISTERED))).toBe('ok');
    expect(errorOf(await ask(c, [CALL, {}, 'berth._authenticate'], 50))).toBe('wamp.error.not_authorized');
    // calling the appliance is allowed (nobody serves it in this test)
    expect(errorOf(await ask(c, [CALL, {}, 'berth/list'], 50))).toBe('wamp.error.no_such_procedure');
  });

  it("berth's own in-process session (role berth) may register the appliance's procedures", async () => {
    await start();
    const local = router!.joinLocal();
    expect(local.info.authrole).toBe('berth');
    const answers: unknown[][] = [];
    local.onMessage = (m) => answers.push(m);
    local.receive({ type: 'register', request: 1, options: {}, procedure: 'berth/create' } as never);
    await new Promise((r) => setTimeout(r, 50));
    expect(answers[0]?.[0]).toBe(REGISTERED);
    local.leave();
  });

  it('users from embeddedRouter.tickets and .wampcra get their roles; embeddedRouter.anonymous: false refuses anonymous', async () => {
    const { listen, containers } = await start({
      embeddedRouter: { anonymous: false, tickets: { alice: { secret: 'alice-secret', role: 'user' } }, wampcra: { bob: { secret: 'bob-secret', role: 'admin' } } },
    });
    expect((await join(listen)).answer[2]).toBe('wamp.error.no_auth_method');
    expect((await join(listen, { authmethods: ['ticket'], authid: 'alice' }, 'alice-secret')).answer[2]).toMatchObject({ authid: 'alice', authrole: 'user' });
    expect((await join(listen, { authmethods: ['ticket'], authid: 'alice' }, 'wrong')).answer[2]).toBe('wamp.error.not_authorized');
    // a user's ticket does not open the containers' listener
    expect((await join(containers, { authmethods: ['ticket'], authid: 'alice' }, 'alice-secret')).answer[2]).toBe('wamp.error.authentication_failed');
    // a container joining via --listen is still a container
    expect((await join(listen, { authmethods: ['ticket'], authid: 'berth.web' }, web.ticket)).answer[2]).toMatchObject({ authrole: 'container' });
  });
});
