import { describe, expect, it } from 'vitest';
import { mintTicket } from '../../../src/container-ticket.js';
import type { ContainerRecord } from '../../../src/engine/engine.js';
import { LABELS } from '../../../src/engine/labels.js';
import type { AuthDecision, HelloInfo, Welcome } from '../../../src/router/authenticate.js';
import { signChallenge } from '../../../src/router/wampcra.js';
import { embeddedAuthenticator, type EmbeddedAuthOptions } from '../../../src/tenancy/embedded-authenticator.js';

/** berth's embedded authenticator (tenancy) as a pure function: HELLO in, decision out; the index is a map. */
const web = mintTicket();
const other = mintTicket();
const records = new Map<string, ContainerRecord>([
  ['web', { name: 'web', labels: { [LABELS.ticket]: web.hash } } as unknown as ContainerRecord],
  ['other', { name: 'other', labels: { [LABELS.ticket]: other.hash } } as unknown as ContainerRecord],
  ['legacy', { name: 'legacy', labels: {} } as unknown as ContainerRecord],
]);

function authenticator(over: Partial<EmbeddedAuthOptions> = {}) {
  return embeddedAuthenticator({
    domain: 'berth',
    tickets: { alice: { secret: 'alice-ticket', role: 'user' } },
    wampcra: { bob: { secret: 'bob-secret', role: 'user' } },
    anonymous: true,
    containerSide: (h) => h.listener === 'containers',
    containers: { getReplicas: (n) => [records.get(n)].filter((r) => r !== undefined), ready: async () => undefined },
    realms: { hasRealm: (r) => r === 'realm1', hasRole: (_r, role) => ['berth', 'container', 'anonymous', 'user'].includes(role) },
    ...over,
  });
}

const hello = (listener: 'containers' | 'listen', authmethods: string[], authid?: string): HelloInfo => ({
  realm: 'realm1',
  authid,
  authmethods,
  authextra: {},
  sessionId: 42,
  peer: '172.17.0.2:40000',
  listener,
  localAddress: listener === 'containers' ? '172.17.0.1' : '127.0.0.1',
});

/** Run the whole handshake: answer a challenge with `secret` (WAMP-CRA signs it). */
async function outcome(decision: AuthDecision | Promise<AuthDecision>, secret?: string): Promise<{ outcome: string; reason?: string; authrole?: string; authid?: string }> {
  const d = await decision;
  if (d.outcome !== 'challenge') return d;
  const signature = d.authmethod === 'wampcra' ? signChallenge(secret ?? '', String(d.extra.challenge)) : (secret ?? '');
  return d.verify(signature, {});
}

describe('the container listener: only container tickets', () => {
  it("a container's own ticket joins as role container with authid D.N", async () => {
    const w = (await outcome(authenticator()(hello('containers', ['ticket'], 'berth.web')), web.ticket)) as Welcome;
    expect(w).toMatchObject({ outcome: 'welcome', authid: 'berth.web', authrole: 'container', authmethod: 'ticket' });
  });
  it('every replica joins as D.N with its own ticket; its authextra says which replica it is', async () => {
    const second = mintTicket();
    const replicas = [
      { name: 'web', labels: { [LABELS.ticket]: web.hash } },
      { name: 'web', labels: { [LABELS.ticket]: second.hash, [LABELS.replica]: '2' } },
    ] as unknown as ContainerRecord[];
    const auth = authenticator({ containers: { getReplicas: (n) => (n === 'web' ? replicas : []), ready: async () => undefined } });
    expect(await outcome(auth(hello('containers', ['ticket'], 'berth.web')), web.ticket)).toMatchObject({ outcome: 'welcome', authid: 'berth.web', authextra: { domain: 'berth.web', replica: 1 } });
    expect(await outcome(auth(hello('containers', ['ticket'], 'berth.web')), second.ticket)).toMatchObject({ outcome: 'welcome', authid: 'berth.web', authextra: { domain: 'berth.web', replica: 2 } });
    expect(await outcome(auth(hello('containers', ['ticket'], 'berth.web')), other.ticket)).toMatchObject({ outcome: 'deny', reason: 'wamp.error.authentication_failed' });
  });
  it('ticket first when a client offers ticket and anonymous (what the container examples send)', async () => {
    expect(await outcome(authenticator()(hello('containers', ['ticket', 'anonymous'], 'berth.web')), web.ticket)).toMatchObject({ outcome: 'welcome', authrole: 'container' });
    expect(await outcome(authenticator()(hello('containers', ['anonymous', 'ticket'], 'berth.web')), web.ticket)).toMatchObject({ outcome: 'welcome', authrole: 'container' });
  });
  it.each([
    ['a forged ticket', 'berth.web', 'forged-ticket-forged-ticket-forged'],
    ['the ticket of another container', 'berth.web', other.ticket],
    ['its own ticket under another container\'s authid', 'berth.other', web.ticket],
    ['an authid that is not of this domain', 'other.web', web.ticket],
    ['the domain itself', 'berth', web.ticket],
    ['an authid with a dotted name', 'berth.web.x', web.ticket],
    ['a container that does not exist (removed: revoked)', 'berth.gone', web.ticket],
    ['a container without a ticket label', 'berth.legacy', web.ticket],
    ['an empty ticket', 'berth.web', ''],
    ['no authid', undefined, web.ticket],
    ["a configured user's ticket", 'alice', 'alice-ticket'],
  ])('%s is refused with wamp.error.authentication_failed', async (_what, authid, ticket) => {
    const d = await authenticator()(hello('containers', ['ticket'], authid));
    expect(d.outcome).toBe('challenge'); // nothing is told before the ticket is shown
    expect(await outcome(d, ticket)).toMatchObject({ outcome: 'deny', reason: 'wamp.error.authentication_failed' });
  });
  it('anonymous and WAMP-CRA are refused there (as Crossbar.io answers a transport with ticket auth only)', async () => {
    for (const methods of [['anonymous'], [], ['wampcra'], ['wampcra', 'anonymous']]) {
      const d = await outcome(authenticator()(hello('containers', methods.length ? methods : ['anonymous'], 'bob')), 'bob-secret');
      expect(d, methods.join()).toMatchObject({ outcome: 'deny', reason: 'wamp.error.no_auth_method' });
    }
  });
  it('an unknown authmethod is refused outright', async () => {
    expect(await authenticator()(hello('containers', ['magic', 'ticket'], 'berth.web'))).toMatchObject({ outcome: 'deny', reason: 'wamp.error.not_authorized' });
  });
  it('the ticket check waits for the index to be ready (berth restarted: containers reconnect before the first sync)', async () => {
    let synced = false;
    const auth = authenticator({
      containers: { getReplicas: (n) => (synced ? [records.get(n)].filter((r) => r !== undefined) : []), ready: () => new Promise((r) => setTimeout(() => ((synced = true), r()), 50)) },
    });
    expect(await outcome(auth(hello('containers', ['ticket'], 'berth.web')), web.ticket)).toMatchObject({ outcome: 'welcome' });
  });
});

describe('the --listen listener: configured users, anonymous, and containers', () => {
  it('ticket user from embeddedRouter.tickets', async () => {
    expect(await outcome(authenticator()(hello('listen', ['ticket'], 'alice')), 'alice-ticket')).toMatchObject({ outcome: 'welcome', authid: 'alice', authrole: 'user', authmethod: 'ticket' });
    expect(await outcome(authenticator()(hello('listen', ['ticket'], 'alice')), 'wrong')).toMatchObject({ outcome: 'deny', reason: 'wamp.error.not_authorized' });
    expect(await outcome(authenticator()(hello('listen', ['ticket'], 'mallory')), 'x')).toMatchObject({ outcome: 'deny', reason: 'wamp.error.not_authorized' });
  });
  it('WAMP-CRA user from embeddedRouter.wampcra', async () => {
    expect(await outcome(authenticator()(hello('listen', ['wampcra'], 'bob')), 'bob-secret')).toMatchObject({ outcome: 'welcome', authid: 'bob', authrole: 'user', authmethod: 'wampcra' });
    expect(await outcome(authenticator()(hello('listen', ['wampcra'], 'bob')), 'wrong')).toMatchObject({ outcome: 'deny', reason: 'wamp.error.not_authorized' });
  });
  it('anonymous as role anonymous, unless embeddedRouter.anonymous is false', async () => {
    expect(await outcome(authenticator()(hello('listen', ['anonymous']))) ).toMatchObject({ outcome: 'welcome', authrole: 'anonymous' });
    expect(await outcome(authenticator({ anonymous: false })(hello('listen', ['anonymous'])))).toMatchObject({ outcome: 'deny', reason: 'wamp.error.no_auth_method' });
    // a client that offers ticket as well still gets in with its ticket
    expect(await outcome(authenticator({ anonymous: false })(hello('listen', ['anonymous', 'ticket'], 'alice')), 'alice-ticket')).toMatchObject({ outcome: 'welcome', authid: 'alice' });
  });
  it('a container joining via --listen is still role container, and its ticket is checked the same', async () => {
    expect(await outcome(authenticator()(hello('listen', ['ticket'], 'berth.web')), web.ticket)).toMatchObject({ outcome: 'welcome', authrole: 'container', authid: 'berth.web' });
    expect(await outcome(authenticator()(hello('listen', ['ticket'], 'berth.web')), other.ticket)).toMatchObject({ outcome: 'deny', reason: 'wamp.error.authentication_failed' });
    expect(await outcome(authenticator({ anonymous: false })(hello('listen', ['ticket'], 'berth.web')), web.ticket)).toMatchObject({ outcome: 'welcome', authrole: 'container' });
  });
  it('a user whose role the realm lacks is refused (wamp.error.no_such_role)', async () => {
    const auth = authenticator({ tickets: { carol: { secret: 's', role: 'ghost' } } });
    expect(await outcome(auth(hello('listen', ['ticket'], 'carol')), 's')).toMatchObject({ outcome: 'deny', reason: 'wamp.error.no_such_role' });
  });
  it('without WAMP-CRA users, wampcra is not offered (Crossbar.io skips an unconfigured method)', async () => {
    expect(await outcome(authenticator({ wampcra: {}, anonymous: false })(hello('listen', ['wampcra'], 'bob')))).toMatchObject({ outcome: 'deny', reason: 'wamp.error.no_auth_method' });
  });
});
