import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_TICKET } from '../helpers/crossbar.js';
import { outcome, sameOnAll } from './helpers/compare.js';
import { join, session, type JoinOptions } from './helpers/js-client.js';
import { OnNexus } from './helpers/on-nexus.js';
import { Targets, type Target } from './helpers/targets.js';

/** Join and leave at once; the outcome is who the router says we are, or the ABORT reason. */
async function attempt(t: Target, options: JoinOptions, realm?: string): Promise<unknown> {
  const r = await join(realm ? { ...t, realm } : t, options);
  if ('refused' in r) return { refused: r.refused };
  const { authid, authrole, authmethod, authprovider } = r.welcome;
  try {
    r.connection.close();
  } catch {
    // already closed
  }
  return { authid, authrole, authmethod, authprovider };
}

/** Anonymous authids are random; what must match is their shape (Crossbar.io's serial number, XXXX-…-XXXX). */
function serial(o: unknown): unknown {
  const r = o as { authid?: string };
  return { ...r, authid: /^[A-Z0-9]{4}(-[A-Z0-9]{4}){5}$/.test(r.authid ?? '') ? 'serial-number' : r.authid };
}

describe('authentication and authorization (autobahn-js)', () => {
  let targets: Targets;
  beforeAll(async () => {
    targets = await Targets.start();
  });
  afterAll(async () => {
    await targets?.[Symbol.asyncDispose]();
  });

  // nexusd's config has no users and no roles: what needs them runs on the other two.
  const users = OnNexus.cannot('auth');
  const roles = OnNexus.cannot('auth', 'roles');

  it(users.title('ticket: right ticket joins with the principal\'s role; wrong ticket and unknown principal are refused'), async () => {
    await sameOnAll(targets, async (t) => ({
      ok: await attempt(t, { authmethods: ['ticket'], authid: 'berth-test', secret: TEST_TICKET }),
      wrong: await attempt(t, { authmethods: ['ticket'], authid: 'berth-test', secret: 'not-the-ticket' }),
      unknown: await attempt(t, { authmethods: ['ticket'], authid: 'mallory', secret: TEST_TICKET }),
    }), {
      ok: { authid: 'berth-test', authrole: 'service', authmethod: 'ticket', authprovider: 'static' },
      wrong: { refused: 'wamp.error.not_authorized' },
      unknown: { refused: 'wamp.error.not_authorized' },
    }, users);
  });

  it(users.title('wampcra: plain and salted secrets join; a wrong secret and an unknown user are refused'), async () => {
    await sameOnAll(targets, async (t) => ({
      alice: await attempt(t, { authmethods: ['wampcra'], authid: 'alice', secret: 'alice-secret' }),
      bobSalted: await attempt(t, { authmethods: ['wampcra'], authid: 'bob', secret: 'bob-secret' }),
      wrong: await attempt(t, { authmethods: ['wampcra'], authid: 'alice', secret: 'bob-secret' }),
      unknown: await attempt(t, { authmethods: ['wampcra'], authid: 'mallory', secret: 'x' }),
    }), {
      alice: { authid: 'alice', authrole: 'frontend', authmethod: 'wampcra', authprovider: 'static' },
      bobSalted: { authid: 'bob', authrole: 'frontend', authmethod: 'wampcra', authprovider: 'static' },
      wrong: { refused: 'wamp.error.not_authorized' },
      unknown: { refused: 'wamp.error.not_authorized' },
    }, users);
  });

  const negotiation = OnNexus.differs(['authFailed', 'anonymousAuthid'], (o: unknown) => expect(o).toEqual({
    fallback: { refused: 'wamp.error.authentication_failed' },
    none: { refused: 'wamp.error.authentication_failed' },
    noRealm: { refused: 'wamp.error.no_such_realm' },
    anonymous: { authid: expect.stringMatching(/^[0-9a-f]{8,16}$/), authrole: 'anonymous', authmethod: 'anonymous', authprovider: 'static' },
  }));
  it(negotiation.title('method negotiation: first configured method wins; unconfigured only → no_auth_method; unknown realm → no_such_realm'), async () => {
    await sameOnAll(targets, async (t) => ({
      fallback: await attempt(t, { authmethods: ['cryptosign', 'ticket'], authid: 'berth-test', secret: TEST_TICKET }),
      none: await attempt(t, { authmethods: ['cryptosign'] }),
      noRealm: await attempt(t, {}, 'no.such.realm'),
      anonymous: serial(await attempt(t, {})),
    }), (o) => {
      const r = o as Record<string, { refused?: string; authrole?: string }>;
      if (r.none?.refused !== 'wamp.error.no_auth_method' || r.noRealm?.refused !== 'wamp.error.no_such_realm' || r.fallback?.authrole !== 'service' || r.anonymous?.authrole !== 'anonymous') {
        throw new Error(`unexpected Crossbar.io outcome ${JSON.stringify(o)}`);
      }
    }, negotiation);
  });

  it(roles.title('static permissions: longest matching URI decides, exact entries do not fall back to shorter prefixes'), async () => {
    await sameOnAll(targets, async (t) => {
      await using alice = await session(t, { authmethods: ['wampcra'], authid: 'alice', secret: 'alice-secret' });
      const e = (o: unknown) => (o as { error?: string }).error ?? 'ok';
      const call = async (uri: string) => e(await outcome(alice.session.call(uri)));
      const register = async (uri: string) => e(await outcome(alice.session.register(uri, () => 1)));
      return {
        callShop: await call('com.shop.list'),
        callAdmin: await call('com.shop.admin'),
        callUnderAdmin: await call('com.shop.admin.users'),
        callElsewhere: await call('org.example.x'),
        callMeta: await call('wamp.session.count'),
        registerShop: await register('com.shop.mine'),
        registerCom: await register('com.alice.service'),
      };
    }, {
      callShop: 'wamp.error.no_such_procedure',
      callAdmin: 'wamp.error.not_authorized',
      callUnderAdmin: 'wamp.error.not_authorized',
      callElsewhere: 'wamp.error.not_authorized',
      callMeta: 'wamp.error.not_authorized',
      registerShop: 'wamp.error.not_authorized',
      registerCom: 'ok',
    }, roles);
  });
});
