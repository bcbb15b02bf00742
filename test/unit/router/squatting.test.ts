import { describe, expect, it } from 'vitest';
import { staticAuthorizer, wildcardReaches, type SessionInfo } from '../../../src/router/authorize.js';
import { parseRouterConfig, type RouterOptions } from '../../../src/router/router-config.js';
import type { MatchPolicy } from '../../../src/router/uri.js';

const ALL = { call: true, register: true, publish: true, subscribe: true };

/** berth's own role table (src/standalone-router.ts) for domain D: anonymous may do anything but register/publish under `D/`. */
const berthRealm = (domain: string): RouterOptions['realms'][number] => ({
  name: 'realm1',
  roles: [
    { name: 'berth', permissions: [{ uri: '', match: 'prefix', allow: ALL, disclose: { caller: true, publisher: true } }] },
    {
      name: 'anonymous',
      permissions: [
        { uri: '', match: 'prefix', allow: ALL, disclose: { caller: true, publisher: true } },
        { uri: `${domain}/`, match: 'prefix', allow: { call: true, register: false, publish: false, subscribe: true }, disclose: { caller: true, publisher: true } },
      ],
    },
  ],
});

const anonymous: SessionInfo = { id: 1, realm: 'realm1', authid: 'ABCD', authrole: 'anonymous', authmethod: 'anonymous' };
const berth: SessionInfo = { ...anonymous, authid: 'berth', authrole: 'berth', authmethod: 'ticket' };

function allowed(domain: string, who: SessionInfo, action: 'register' | 'subscribe' | 'publish' | 'call', uri: string, match: MatchPolicy): boolean {
  const authorize = staticAuthorizer(parseRouterConfig({ realms: [berthRealm(domain)] }).realms);
  const d = authorize(who, action, uri, match);
  return typeof d === 'boolean' ? d : (d as { allow: boolean }).allow;
}

describe('squatting: patterns and case variants that would cover the appliance namespace', () => {
  const refused: [string, MatchPolicy][] = [
    ['berth', 'prefix'],
    ['b', 'prefix'],
    ['', 'prefix'],
    ['berth/', 'prefix'],
    ['berth/cr', 'prefix'],
    ['', 'wildcard'],
    ['.', 'wildcard'],
    ['berth/.', 'wildcard'],
    ['BERTH/create', 'exact'],
    ['Berth/create', 'exact'],
    ['Berth', 'prefix'],
    ['BERTH/', 'prefix'],
    ['berth/create', 'exact'],
  ];
  for (const [uri, match] of refused) {
    it(`anonymous may not register ${match} "${uri}"`, () => {
      expect(allowed('berth', anonymous, 'register', uri, match)).toBe(false);
    });
  }
  const fine: [string, MatchPolicy][] = [
    ['other.', 'prefix'],
    ['x..y', 'wildcard'],
    ['com.example.add', 'exact'],
    ['bert.', 'prefix'],
    // `berth/create` is one URI component: a wildcard whose first component is fixed to `berth` never reaches it.
    ['berth.', 'wildcard'],
    ['berth..x', 'wildcard'],
  ];
  for (const [uri, match] of fine) {
    it(`anonymous may register ${match} "${uri}"`, () => {
      expect(allowed('berth', anonymous, 'register', uri, match)).toBe(true);
    });
  }

  it('a dotted domain is protected from wildcards too (xs.demo.berth/)', () => {
    for (const [uri, match] of [['xs.demo.', 'wildcard'], ['xs..berth/x', 'wildcard'], ['..', 'wildcard'], ['xs.demo', 'prefix'], ['XS.demo.berth/create', 'exact']] as const) {
      expect(allowed('xs.demo.berth', anonymous, 'register', uri, match), `${match} ${uri}`).toBe(false);
    }
    for (const [uri, match] of [['xs.demo.other', 'prefix'], ['xs..other', 'wildcard'], ['xs.demo.berth.', 'wildcard'], ['.', 'wildcard']] as const) {
      expect(allowed('xs.demo.berth', anonymous, 'register', uri, match), `${match} ${uri}`).toBe(true);
    }
  });

  it('publish follows the same rule; subscribe and call under D/ stay allowed', () => {
    expect(allowed('berth', anonymous, 'publish', 'Berth/build/x', 'exact')).toBe(false);
    expect(allowed('berth', anonymous, 'subscribe', '', 'prefix')).toBe(true);
    expect(allowed('berth', anonymous, 'subscribe', 'berth/build/', 'prefix')).toBe(true);
    expect(allowed('berth', anonymous, 'call', 'berth/create', 'exact')).toBe(true);
  });

  it('a role allowed everything (berth itself) may still register anything', () => {
    for (const [uri, match] of [['berth/', 'prefix'], ['', 'wildcard'], ['berth/create', 'exact']] as const) {
      expect(allowed('berth', berth, 'register', uri, match)).toBe(true);
    }
  });

  it('wildcardReaches is component-wise', () => {
    expect(wildcardReaches('.', 'berth/')).toBe(true);
    expect(wildcardReaches('', 'berth/')).toBe(true);
    expect(wildcardReaches('berth.', 'berth/')).toBe(false);
    expect(wildcardReaches('a..c', 'a.b.c')).toBe(true);
    expect(wildcardReaches('a..c', 'a.b.d')).toBe(false);
    expect(wildcardReaches('a..c', 'a..')).toBe(false);
    expect(wildcardReaches('a.', 'a.b.c')).toBe(false);
  });
});

describe('pattern rule with exact and nested permissions (Crossbar.io-style frontend role)', () => {
  const authorize = staticAuthorizer(
    parseRouterConfig({
      realms: [{
        name: 'realm1',
        roles: [{ name: 'frontend', permissions: [
          { uri: 'com.', match: 'prefix', allow: ALL },
          { uri: 'com.shop.', match: 'prefix', allow: { call: true, subscribe: true } },
          { uri: 'com.shop.admin', match: 'exact' },
          { uri: 'com.app.', match: 'prefix', allow: ALL },
          { uri: 'com.app.status', match: 'exact', allow: ALL },
        ] }],
      }],
    }).realms,
  );
  const as: SessionInfo = { ...anonymous, authrole: 'frontend' };
  const allow = (action: 'register' | 'subscribe', uri: string, match: MatchPolicy) => (authorize(as, action, uri, match) as { allow: boolean }).allow;

  it('a prefix over a denied or exact permission is refused; one beside them is allowed', () => {
    expect(allow('register', 'com.', 'prefix')).toBe(false); // covers com.shop.
    expect(allow('register', 'com.other.', 'prefix')).toBe(true);
    expect(allow('subscribe', 'com.shop.', 'prefix')).toBe(false); // covers com.shop.admin.x (exact: denied)
    expect(allow('subscribe', 'com.shop.items.', 'prefix')).toBe(true);
    // com.app.status is exact: com.app.statusX would be denied, so the prefix com.app. is too.
    expect(allow('register', 'com.app.', 'prefix')).toBe(false);
    expect(allow('register', 'com.app.x', 'prefix')).toBe(true);
    expect(allow('register', 'com.app.status', 'exact')).toBe(true);
  });
  it('wildcards: only the permissions a matching URI can reach count', () => {
    expect(allow('register', 'com..x', 'wildcard')).toBe(false); // com.shop.x
    expect(allow('register', 'com.other.', 'wildcard')).toBe(true);
    // com.app.statusX.x matches and falls to the exact com.app.status (which denies everything longer).
    expect(allow('register', 'com.app..x', 'wildcard')).toBe(false);
    expect(allow('register', 'com.app.x.', 'wildcard')).toBe(true);
  });
});
