import { describe, expect, it } from 'vitest';
import type { Action } from '../../../src/router/authorize.js';
import type { MatchPolicy } from '../../../src/router/uri.js';
import { authorizeFabric, type FabricPolicy, type FabricSession } from '../../../src/tenancy/fabric-policy.js';

/** Every rule of the fabric policy's doc comment, with patterns, case variants, trailing dots, empty components. */
const policy = (over: Partial<FabricPolicy> = {}): FabricPolicy => ({
  domain: 'berth',
  callers: 'owner',
  adminRoles: ['admin'],
  callAppliance: false,
  buildOwner: async (name) => ({ mine: 'alice', anon: 'anonymous' })[name],
  containerOwner: (name) => ({ web: 'alice', anonweb: 'anonymous' })[name],
  ...over,
});
const berth: FabricSession = { authid: 'berth', authrole: 'berth' };
const web: FabricSession = { authid: 'berth.web', authrole: 'container' };
const anonymous: FabricSession = { authid: 'ABCD-EFGH', authrole: 'anonymous' };
const alice: FabricSession = { authid: 'alice', authrole: 'user' };
const bob: FabricSession = { authid: 'bob', authrole: 'user' };
const admin: FabricSession = { authid: 'root', authrole: 'admin' };

async function may(who: FabricSession, action: Action, uri: string, match: MatchPolicy = 'exact', p = policy()): Promise<boolean> {
  return (await authorizeFabric(p, who, action, uri, match)).allow;
}
type Case = [Action, string, MatchPolicy];
const label = ([action, uri, match]: Case) => `${action} ${match} "${uri}"`;

describe('role berth: everything', () => {
  it.each<Case>([
    ['register', '', 'prefix'],
    ['register', '', 'wildcard'],
    ['register', 'berth/create', 'exact'],
    ['publish', 'berth/build/x', 'exact'],
    ['call', 'berth._authenticate', 'exact'],
    ['subscribe', 'berth/build/', 'prefix'],
  ])('%s %s %s', async (action, uri, match) => {
    expect(await may(berth, action, uri, match)).toBe(true);
  });
  it('callers and publishers are disclosed to berth', async () => {
    expect(await authorizeFabric(policy(), anonymous, 'call', 'berth/list')).toEqual({ allow: true, disclose: true });
  });
});

describe('role container (authid D.N): registers and publishes only under D.N/ and D.N.', () => {
  const allowed: Case[] = [
    ['register', 'berth.web/hello', 'exact'],
    ['register', 'berth.web.sub/hello', 'exact'],
    ['register', 'berth.web.api.v1', 'exact'],
    ['register', 'berth.web/', 'prefix'],
    ['register', 'berth.web/h', 'prefix'],
    ['register', 'berth.web.', 'prefix'],
    ['register', 'berth.web..x', 'wildcard'],
    ['register', 'berth.web/hello', 'wildcard'],
    ['publish', 'berth.web/news', 'exact'],
    ['publish', 'berth.web.sub/news', 'exact'],
  ];
  it.each(allowed.map((c) => [label(c), c] as const))('may %s', async (_l, [action, uri, match]) => {
    expect(await may(web, action, uri, match)).toBe(true);
  });
  const refused: Case[] = [
    // another container's domain, and names that only start like its own
    ['register', 'berth.other/hello', 'exact'],
    ['register', 'berth.web2/hello', 'exact'],
    ['register', 'berth.webx.sub/hello', 'exact'],
    ['publish', 'berth.other/news', 'exact'],
    // case variants of its own and of others
    ['register', 'BERTH.web/hello', 'exact'],
    ['register', 'berth.WEB/hello', 'exact'],
    ['register', 'Berth.other/hello', 'exact'],
    // the appliance's namespace and berth's own
    ['register', 'berth/build', 'exact'],
    ['register', 'berth/create', 'exact'],
    ['register', 'berth/web/start', 'exact'],
    ['register', 'berth._authenticate', 'exact'],
    ['publish', 'berth/build/x', 'exact'],
    // other domains and the router's
    ['register', 'com.example.add', 'exact'],
    ['publish', 'other.domain/topic', 'exact'],
    ['register', 'wamp.session.list', 'exact'],
    ['publish', 'wamp.session.on_join', 'exact'],
    // patterns that reach beyond its own domain
    ['register', 'berth.web', 'prefix'],
    ['register', 'berth.we', 'prefix'],
    ['register', 'berth.', 'prefix'],
    ['register', 'berth', 'prefix'],
    ['register', 'b', 'prefix'],
    ['register', '', 'prefix'],
    ['register', '', 'wildcard'],
    ['register', '.', 'wildcard'],
    ['register', 'berth..hello', 'wildcard'],
    ['register', '.web/hello', 'wildcard'],
    ['register', 'berth.', 'wildcard'],
    // trailing dots and empty components meant literally
    ['register', 'berth.web.', 'exact'],
    ['register', 'berth.web..x', 'exact'],
    ['publish', 'berth.web.sub.', 'exact'],
  ];
  it.each(refused.map((c) => [label(c), c] as const))('may not %s', async (_l, [action, uri, match]) => {
    expect(await may(web, action, uri, match)).toBe(false);
  });
});

describe('role container: calls and subscribes anywhere but D/, D._ and wamp.', () => {
  const allowed: Case[] = [
    ['call', 'berth.other/hello', 'exact'],
    ['call', 'berth.web/hello', 'exact'],
    ['call', 'com.example.add', 'exact'],
    ['subscribe', 'berth.other/news', 'exact'],
    ['subscribe', 'berth.other.', 'prefix'],
    ['subscribe', 'com..news', 'wildcard'],
    ['subscribe', 'berth.other.', 'wildcard'],
  ];
  it.each(allowed.map((c) => [label(c), c] as const))('may %s', async (_l, [action, uri, match]) => {
    expect(await may(web, action, uri, match)).toBe(true);
  });
  const refused: Case[] = [
    ['call', 'berth/create', 'exact'],
    ['call', 'berth/list', 'exact'],
    ['call', 'berth/web/logs', 'exact'],
    ['call', 'BERTH/create', 'exact'],
    ['call', 'Berth/list', 'exact'],
    ['call', 'berth._authenticate', 'exact'],
    ['call', 'berth._authorize', 'exact'],
    ['call', 'Berth._authorize', 'exact'],
    ['call', 'wamp.session.list', 'exact'],
    ['call', 'wamp.session.kill_by_authid', 'exact'],
    ['call', 'WAMP.session.list', 'exact'],
    ['subscribe', 'berth/build/x', 'exact'],
    ['subscribe', 'berth/build/', 'prefix'],
    ['subscribe', 'BERTH/build/x', 'exact'],
    ['subscribe', 'wamp.session.on_join', 'exact'],
    ['subscribe', 'berth', 'prefix'],
    ['subscribe', 'b', 'prefix'],
    ['subscribe', '', 'prefix'],
    ['subscribe', '', 'wildcard'],
    ['subscribe', 'berth._', 'prefix'],
    ['subscribe', 'w', 'prefix'],
    // could reach D._… topics
    ['subscribe', 'berth.', 'prefix'],
    ['subscribe', 'berth..', 'wildcard'],
  ];
  it.each(refused.map((c) => [label(c), c] as const))('may not %s', async (_l, [action, uri, match]) => {
    expect(await may(web, action, uri, match)).toBe(false);
  });

  it('containers.callAppliance: true lets it call D/… (exact calls only), still not D._… nor subscribe to D/…', async () => {
    const p = policy({ callAppliance: true });
    expect(await may(web, 'call', 'berth/list', 'exact', p)).toBe(true);
    expect(await may(web, 'call', 'berth/web/logs', 'exact', p)).toBe(true);
    expect(await may(web, 'call', 'berth._authenticate', 'exact', p)).toBe(false);
    expect(await may(web, 'call', 'wamp.session.list', 'exact', p)).toBe(false);
    expect(await may(web, 'subscribe', 'berth/build/x', 'exact', p)).toBe(false);
    expect(await may(web, 'register', 'berth/list', 'exact', p)).toBe(false);
  });

  it('an authid that is not a container of this domain may do nothing as role container', async () => {
    for (const authid of ['berth', 'berth.', 'other.web', 'berth.a.b', 'berth._x', 'berth.web/x', 'xberth.web']) {
      const s: FabricSession = { authid, authrole: 'container' };
      for (const [action, uri] of [['register', `${authid}/x`], ['publish', `${authid}/x`], ['call', 'com.example.add'], ['subscribe', 'com.example.news']] as const) {
        expect(await may(s, action, uri), `${authid} ${action} ${uri}`).toBe(false);
      }
    }
  });

  it('a dotted domain: its containers are xs.demo.berth.N', async () => {
    const p = policy({ domain: 'xs.demo.berth' });
    const c: FabricSession = { authid: 'xs.demo.berth.web', authrole: 'container' };
    expect(await may(c, 'register', 'xs.demo.berth.web/hello', 'exact', p)).toBe(true);
    expect(await may(c, 'register', 'xs.demo.berth.other/hello', 'exact', p)).toBe(false);
    expect(await may(c, 'call', 'xs.demo.berth/create', 'exact', p)).toBe(false);
    expect(await may(c, 'subscribe', 'xs..', 'wildcard', p)).toBe(false);
    expect(await may(c, 'subscribe', 'xs.demo.', 'prefix', p)).toBe(false);
  });
});

describe('every other role: no register or publish under D/ or D., in any case or pattern (the squatting rules hold)', () => {
  const refused: Case[] = [
    ['register', 'berth', 'prefix'],
    ['register', 'b', 'prefix'],
    ['register', '', 'prefix'],
    ['register', 'berth/', 'prefix'],
    ['register', 'berth/cr', 'prefix'],
    ['register', '', 'wildcard'],
    ['register', '.', 'wildcard'],
    ['register', 'berth/.', 'wildcard'],
    ['register', 'berth.', 'wildcard'],
    ['register', 'berth..x', 'wildcard'],
    ['register', 'BERTH/create', 'exact'],
    ['register', 'Berth/create', 'exact'],
    ['register', 'Berth', 'prefix'],
    ['register', 'BERTH/', 'prefix'],
    ['register', 'berth/create', 'exact'],
    ['register', 'berth.web/hello', 'exact'],
    ['register', 'Berth.web/hello', 'exact'],
    ['register', 'berth.', 'prefix'],
    ['register', 'berth._authenticate', 'exact'],
    ['publish', 'berth/build/x', 'exact'],
    ['publish', 'Berth/build/x', 'exact'],
    ['publish', 'berth.web/news', 'exact'],
  ];
  for (const who of [anonymous, alice, admin]) {
    it.each(refused.map((c) => [label(c), c] as const))(`${who.authrole} may not %s`, async (_l, [action, uri, match]) => {
      expect(await may(who, action, uri, match)).toBe(false);
    });
  }
  const allowed: Case[] = [
    ['register', 'other.', 'prefix'],
    ['register', 'x..y', 'wildcard'],
    ['register', 'com.example.add', 'exact'],
    ['register', 'bert.', 'prefix'],
    ['register', 'berth', 'exact'],
    ['publish', 'com.example.news', 'exact'],
    ['call', 'berth/create', 'exact'],
    ['call', 'BERTH/create', 'exact'],
    ['call', 'berth.web/hello', 'exact'],
    ['call', 'wamp.session.list', 'exact'],
    ['subscribe', 'berth.web/news', 'exact'],
    ['subscribe', 'berth/list', 'exact'],
    ['subscribe', 'com.', 'prefix'],
  ];
  it.each(allowed.map((c) => [label(c), c] as const))('anonymous may %s', async (_l, [action, uri, match]) => {
    expect(await may(anonymous, action, uri, match)).toBe(true);
  });

  it("call anything but berth's own D._… (any case)", async () => {
    for (const uri of ['berth._authenticate', 'berth._authorize', 'BERTH._authorize', 'Berth._x']) expect(await may(alice, 'call', uri), uri).toBe(false);
  });

  it('a dotted domain is protected from patterns too (xs.demo.berth)', async () => {
    const p = policy({ domain: 'xs.demo.berth' });
    for (const [uri, match] of [['xs.demo.', 'wildcard'], ['xs..berth/x', 'wildcard'], ['..', 'wildcard'], ['xs.demo', 'prefix'], ['XS.demo.berth/create', 'exact'], ['xs.demo.berth.web/x', 'exact']] as const) {
      expect(await may(anonymous, 'register', uri, match, p), `${match} ${uri}`).toBe(false);
    }
    for (const [uri, match] of [['xs.demo.other', 'prefix'], ['xs..other', 'wildcard'], ['.', 'wildcard']] as const) {
      expect(await may(anonymous, 'register', uri, match, p), `${match} ${uri}`).toBe(true);
    }
  });
});

describe('build topics D/build/<name>: only their owner and admins (owner mode)', () => {
  it('the owner, an admin, and anyone for a build nobody owns; not another user', async () => {
    expect(await may(alice, 'subscribe', 'berth/build/mine')).toBe(true);
    expect(await may(bob, 'subscribe', 'berth/build/mine')).toBe(false);
    expect(await may(admin, 'subscribe', 'berth/build/mine')).toBe(true);
    expect(await may(bob, 'subscribe', 'berth/build/unknown')).toBe(true);
  });
  it('every anonymous session is the one owner "anonymous"', async () => {
    expect(await may(anonymous, 'subscribe', 'berth/build/anon')).toBe(true);
    expect(await may({ authid: 'OTHER-SERIAL', authrole: 'anonymous' }, 'subscribe', 'berth/build/anon')).toBe(true);
    expect(await may(anonymous, 'subscribe', 'berth/build/mine')).toBe(false);
    expect(await may(alice, 'subscribe', 'berth/build/anon')).toBe(false);
  });
  it('patterns that could reach build topics are refused (admins excepted); case variants too', async () => {
    for (const [uri, match] of [['berth/build/', 'prefix'], ['berth/', 'prefix'], ['b', 'prefix'], ['', 'prefix'], ['', 'wildcard'], ['berth/build/mine', 'wildcard'], ['BERTH/build/mine', 'exact'], ['Berth/build/', 'prefix']] as const) {
      expect(await may(alice, 'subscribe', uri, match), `${match} ${uri}`).toBe(false);
    }
    expect(await may(admin, 'subscribe', 'berth/build/', 'prefix')).toBe(true);
  });
  it('open mode: everyone may subscribe to every build topic', async () => {
    const p = policy({ callers: 'open' });
    expect(await may(bob, 'subscribe', 'berth/build/mine', 'exact', p)).toBe(true);
    expect(await may(bob, 'subscribe', 'berth/build/', 'prefix', p)).toBe(true);
  });
  it('the owner is read at each decision, so it follows berth\'s state', async () => {
    let owner: string | undefined = 'alice';
    const p = policy({ buildOwner: async () => owner });
    expect(await may(bob, 'subscribe', 'berth/build/x', 'exact', p)).toBe(false);
    owner = 'bob';
    expect(await may(bob, 'subscribe', 'berth/build/x', 'exact', p)).toBe(true);
  });
});

describe('logs topics D/<name>/logs: only the container\'s owner and admins (owner mode)', () => {
  it('the owner, an admin, and anyone for a container that does not exist; not another user', async () => {
    expect(await may(alice, 'subscribe', 'berth/web/logs')).toBe(true);
    expect(await may(admin, 'subscribe', 'berth/web/logs')).toBe(true);
    expect(await may(bob, 'subscribe', 'berth/web/logs')).toBe(false);
    expect(await may(bob, 'subscribe', 'berth/none/logs')).toBe(true);
    expect(await may(anonymous, 'subscribe', 'berth/anonweb/logs')).toBe(true);
    expect(await may(alice, 'subscribe', 'berth/anonweb/logs')).toBe(false);
    expect(await may(bob, 'subscribe', 'berth/web/status')).toBe(true); // not a topic berth publishes: not its business
  });
  it('patterns that could reach logs topics are refused to non-admins; patterns that cannot are not', async () => {
    for (const [uri, match] of [['berth/', 'prefix'], ['berth/w', 'prefix'], ['berth/web/', 'prefix'], ['berth/web/lo', 'prefix'], ['BERTH/', 'prefix'], ['ber', 'prefix'], ['', 'prefix'], ['', 'wildcard']] as [string, MatchPolicy][]) {
      expect(await may(bob, 'subscribe', uri, match), `${match} ${uri}`).toBe(false);
      expect(await may(admin, 'subscribe', uri, match), `admin ${match} ${uri}`).toBe(true);
    }
    expect(await may(bob, 'subscribe', 'berth/web/status', 'prefix')).toBe(true);
    expect(await may(bob, 'subscribe', 'berth/events', 'prefix')).toBe(false); // would reach berth/events-1/logs
    expect(await may(bob, 'subscribe', 'berth/events', 'exact')).toBe(true);
    expect(await may(bob, 'subscribe', 'com.example.', 'prefix')).toBe(true);
    const dotted = policy({ domain: 'xs.demo.berth' });
    expect(await may(bob, 'subscribe', 'xs..berth/web/logs', 'wildcard', dotted)).toBe(false);
    expect(await may(bob, 'subscribe', 'xs.demo.', 'wildcard', dotted)).toBe(false);
    expect(await may(bob, 'subscribe', 'xs..other', 'wildcard', dotted)).toBe(true);
    expect(await may(bob, 'subscribe', 'xs.demo', 'wildcard', dotted)).toBe(true);
  });
  it('open mode: everyone; the owner is read at each decision', async () => {
    expect(await may(bob, 'subscribe', 'berth/web/logs', 'exact', policy({ callers: 'open' }))).toBe(true);
    let owner: string | undefined = 'alice';
    const p = policy({ containerOwner: () => owner });
    expect(await may(bob, 'subscribe', 'berth/web/logs', 'exact', p)).toBe(false);
    owner = 'bob';
    expect(await may(bob, 'subscribe', 'berth/web/logs', 'exact', p)).toBe(true);
  });
  it('containers may not subscribe to D/…, logs topics included', async () => {
    expect(await may(web, 'subscribe', 'berth/web/logs')).toBe(false);
  });
});
