import { describe, expect, it } from 'vitest';
import { hashTicket } from '../../src/container-ticket.js';
import type { ContainerRecord } from '../../src/engine/engine.js';
import { isBerthError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import { crossbarAuthProcedures } from '../../src/tenancy/crossbar-auth-procedures.js';
import type { FabricPolicy } from '../../src/tenancy/fabric-policy.js';

const D = 'xs.demo.berth';
const containers: Record<string, Partial<ContainerRecord>> = {
  web1: { name: 'web1', labels: { 'berth.ticket': hashTicket('t-web1') } },
  web2: { name: 'web2', labels: { 'berth.ticket': hashTicket('t-web2') } },
  old: { name: 'old', labels: {} },
};
const policy: FabricPolicy = {
  domain: D,
  callers: 'owner',
  adminRoles: ['admin'],
  callAppliance: false,
  buildOwner: async (name) => (name === 'app' ? 'alice' : undefined),
  containerOwner: (name) => (name === 'web1' ? 'alice' : undefined),
};
const procs = crossbarAuthProcedures(D, { realm: 'realm1', policy, lookup: (n) => [containers[n] as ContainerRecord | undefined].filter((r) => r !== undefined), log: createLogger('silent') });
const authenticate = (...args: unknown[]) => procs[`${D}._authenticate`]!({ procedure: `${D}._authenticate`, args, kwargs: {} });
const authorize = (...args: unknown[]) => procs[`${D}._authorize`]!({ procedure: `${D}._authorize`, args, kwargs: {} });

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'accepted';
  } catch (err) {
    return isBerthError(err) ? `${err.uri}: ${err.message}` : String(err);
  }
}

describe('D._authenticate (Crossbar.io dynamic ticket authenticator)', () => {
  it('accepts a container\'s current ticket as role container', async () => {
    expect(await authenticate('realm1', `${D}.web1`, { ticket: 't-web1', authmethod: 'ticket' })).toEqual({ role: 'container', extra: { domain: `${D}.web1`, replica: 1 } });
  });

  it('refuses forged tickets, another container\'s ticket, unknown containers, other domains, other realms and junk', async () => {
    const cases: [unknown[], RegExp][] = [
      [['realm1', `${D}.web1`, { ticket: 'forged' }], /invalid ticket/],
      [['realm1', `${D}.web1`, { ticket: 't-web2' }], /invalid ticket/],
      [['realm1', `${D}.gone`, { ticket: 't-web1' }], /no container "gone"/],
      [['realm1', `${D}.old`, { ticket: '' }], /invalid ticket/],
      [['realm1', 'other.web1', { ticket: 't-web1' }], /not a container of domain/],
      [['realm1', `${D}.web1/x`, { ticket: 't-web1' }], /not a container of domain/],
      [['realm1', `${D}.`, { ticket: 't-web1' }], /not a container of domain/],
      [['realm1', null, { ticket: 't-web1' }], /not a container of domain/],
      [['realm2', `${D}.web1`, { ticket: 't-web1' }], /serves realm "realm1"/],
      [['realm1', `${D}.web1`, { ticket: 42 }], /invalid ticket/],
      [['realm1'], /malformed/],
      [[], /malformed/],
    ];
    for (const [args, message] of cases) {
      const r = await refusal(authenticate(...args));
      expect(r, JSON.stringify(args)).toMatch(/^wamp\.error\.authentication_failed: /);
      expect(r, JSON.stringify(args)).toMatch(message);
    }
  });
});

describe('D._authorize (Crossbar.io dynamic authorizer)', () => {
  const session = (authid: string, authrole: string) => ({ session: 1, authid, authrole, authmethod: 'ticket', authprovider: 'dynamic', authextra: null, transport: {} });

  it('answers {allow, disclose, cache} for a container by the fabric rules', async () => {
    expect(await authorize(session(`${D}.web1`, 'container'), `${D}.web1/hello`, 'register', { match: 'exact' })).toEqual({ allow: true, disclose: true, cache: true });
    expect(await authorize(session(`${D}.web1`, 'container'), `${D}.web2/hello`, 'register', { match: 'exact' })).toEqual({ allow: false, disclose: false, cache: true });
    expect(await authorize(session(`${D}.web1`, 'container'), `${D}.web1`, 'register', { match: 'prefix' })).toMatchObject({ allow: false });
    expect(await authorize(session(`${D}.web1`, 'container'), `${D}/create`, 'call', {})).toMatchObject({ allow: false });
    expect(await authorize(session(`${D}.web1`, 'container'), `com.example/x`, 'call', null)).toMatchObject({ allow: true, disclose: true });
  });

  it('keeps another owner\'s build topic from users, but not from admins or the owner', async () => {
    expect(await authorize(session('bob', 'user'), `${D}/build/app`, 'subscribe', { match: 'exact' })).toEqual({ allow: false, disclose: false, cache: false });
    expect(await authorize(session('alice', 'user'), `${D}/build/app`, 'subscribe', { match: 'exact' })).toMatchObject({ allow: true });
    expect(await authorize(session('root', 'admin'), `${D}/build/app`, 'subscribe', { match: 'exact' })).toMatchObject({ allow: true });
    expect(await authorize(session('bob', 'user'), `${D}/build/`, 'subscribe', { match: 'prefix' })).toMatchObject({ allow: false });
    expect(await authorize(session('bob', 'user'), `${D}/list`, 'call', {})).toEqual({ allow: true, disclose: true, cache: true });
    // The logs topic: a logs topic's decision follows who owns the container now, so it is never cached; a refused pattern is
    expect(await authorize(session('bob', 'user'), `${D}/web1/logs`, 'subscribe', { match: 'exact' })).toEqual({ allow: false, disclose: false, cache: false });
    expect(await authorize(session('alice', 'user'), `${D}/web1/logs`, 'subscribe', { match: 'exact' })).toEqual({ allow: true, disclose: true, cache: false });
    expect(await authorize(session('bob', 'user'), `${D}/web1/`, 'subscribe', { match: 'prefix' })).toEqual({ allow: false, disclose: false, cache: true });
  });

  it('denies what it cannot read', async () => {
    for (const args of [[], [null, 'x', 'call', {}], [session('a', 'user'), 'x', 'kill', {}], [session('a', 'user'), 42, 'call', {}], [{ authrole: 'user' }, 'x', 'call', {}]]) {
      expect(await authorize(...args), JSON.stringify(args)).toMatchObject({ allow: false });
    }
  });
});
