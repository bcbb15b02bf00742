import autobahn from 'autobahn';
import { describe, expect, it } from 'vitest';
import { deriveKey, makeChallenge, sameSecret, signChallenge } from '../../../src/router/wampcra.js';

// autobahn-js (crypto-js) is an independent implementation of the same math: the router must agree with it.
describe('WAMP-CRA', () => {
  const challenge = makeChallenge({ authid: 'alice', authrole: 'frontend', session: 42 });

  it('signs like autobahn-js', () => {
    expect(signChallenge('alice-secret', challenge)).toBe(autobahn.auth_cra.sign('alice-secret', challenge));
  });
  it('derives salted keys like autobahn-js', () => {
    expect(deriveKey('bob-secret', 'salt123', 100, 16)).toBe(autobahn.auth_cra.derive_key('bob-secret', 'salt123', 100, 16));
    // autobahn's defaults (1000 iterations, 32 bytes) when the challenge names none
    expect(deriveKey('s', 'salt')).toBe((autobahn.auth_cra.derive_key as unknown as (s: string, salt: string) => string)('s', 'salt'));
  });
  it('puts the session and principal in a JSON challenge with a fresh nonce', () => {
    const c = JSON.parse(challenge) as Record<string, unknown>;
    expect(c).toMatchObject({ authid: 'alice', authrole: 'frontend', authmethod: 'wampcra', authprovider: 'static', session: 42 });
    expect(JSON.parse(makeChallenge({ authid: 'a', authrole: 'r', session: 1 })).nonce).not.toBe(c.nonce);
  });
  it('compares secrets without regard to where they differ', () => {
    expect(sameSecret('abc', 'abc')).toBe(true);
    expect(sameSecret('abc', 'abd')).toBe(false);
    expect(sameSecret('abc', 'abcd')).toBe(false);
  });
});
