import { describe, expect, it } from 'vitest';
import { staticAuthorizer, type SessionInfo } from '../../../src/router/authorize.js';
import { parseRouterConfig, ROUTER_LIMIT_DEFAULTS } from '../../../src/router/router-config.js';

const config = parseRouterConfig({
  realms: [
    {
      name: 'xs.demo.berth',
      roles: [
        {
          name: 'frontend',
          permissions: [
            { uri: 'com.', match: 'prefix', allow: { call: true, register: true, publish: true, subscribe: true }, disclose: { caller: true } },
            { uri: 'com.shop.', match: 'prefix', allow: { call: true } },
            { uri: 'com.shop.admin', match: 'exact' },
          ],
        },
      ],
    },
  ],
});
const authorize = staticAuthorizer(config.realms);
const as = (authrole: string): SessionInfo => ({ id: 1, realm: 'xs.demo.berth', authid: 'x', authrole, authmethod: 'wampcra' });

describe('static authorizer (Crossbar.io semantics)', () => {
  it('the longest matching permission decides', () => {
    expect(authorize(as('frontend'), 'register', 'com.other', 'exact')).toEqual({ allow: true, disclose: false });
    expect(authorize(as('frontend'), 'register', 'com.shop.x', 'exact')).toEqual({ allow: false, disclose: false });
    expect(authorize(as('frontend'), 'call', 'com.shop.x', 'exact')).toEqual({ allow: true, disclose: false });
  });
  it('disclosure comes from the deciding permission, per action', () => {
    expect(authorize(as('frontend'), 'call', 'com.other', 'exact')).toEqual({ allow: true, disclose: true });
    expect(authorize(as('frontend'), 'publish', 'com.other', 'exact')).toEqual({ allow: true, disclose: false });
  });
  it('an exact permission that is the longest prefix but not equal denies (no fallback)', () => {
    expect(authorize(as('frontend'), 'call', 'com.shop.admin', 'exact')).toMatchObject({ allow: false });
    expect(authorize(as('frontend'), 'call', 'com.shop.admin.users', 'exact')).toMatchObject({ allow: false });
  });
  it('unknown roles and unmatched URIs are denied', () => {
    expect(authorize(as('nobody'), 'call', 'com.other', 'exact')).toMatchObject({ allow: false });
    expect(authorize(as('frontend'), 'call', 'org.other', 'exact')).toMatchObject({ allow: false });
  });
});

describe('router config', () => {
  it('fills Crossbar-like defaults and is frozen', () => {
    const c = parseRouterConfig({ realms: [{ name: 'realm1' }] });
    expect(c.listen).toEqual([{ host: '127.0.0.1', port: 8080 }]);
    expect(c.path).toBe('/ws');
    expect(c.auth).toEqual({ anonymous: { role: 'anonymous' } });
    expect(c.limits).toEqual({
      maxMessageBytes: 1024 * 1024, callTimeoutMs: 0, pingIntervalMs: 10_000, handshakeTimeoutMs: 10_000,
      maxRegistrationsPerSession: 10_000, maxSubscriptionsPerSession: 10_000, maxPendingCallsPerSession: 1_000,
      maxQueuedBytesPerSession: 16 * 1024 * 1024, maxConnections: 4_096, maxConnectionsPerAddress: 512,
    });
    expect(c.limits).toEqual(ROUTER_LIMIT_DEFAULTS);
    expect(Object.isFrozen(c.realms[0])).toBe(true);
  });
  it('is strict about unknown keys and bad realm names', () => {
    expect(() => parseRouterConfig({ realms: [{ name: 'realm1' }], extra: 1 } as never)).toThrow();
    expect(() => parseRouterConfig({ realms: [{ name: '1bad' }] })).toThrow();
    expect(() => parseRouterConfig({ realms: [{ name: 'r1x' }, { name: 'r1x' }] })).toThrow(/twice/);
  });
});
