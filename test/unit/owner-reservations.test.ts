import { describe, expect, it } from 'vitest';
import { OwnerReservations } from '../../src/tenancy/owner-reservations.js';

describe('quota places held by creates in flight', () => {
  it('the last place goes to one of two concurrent creates; releasing frees it', () => {
    const r = new OwnerReservations();
    const a = r.take('alice', 'c2', ['c1'], 2, 'containers');
    expect(() => r.take('alice', 'c3', ['c1'], 2, 'containers')).toThrow(/quotas?.*2|2/);
    expect(() => r.take('bob', 'c3', [], 1, 'containers')).not.toThrow();
    a();
    a();
    expect(() => r.take('alice', 'c3', ['c1'], 2, 'containers')).not.toThrow();
  });

  it('a create in flight that already shows among the owner\'s containers counts once (a swarm create shows long before it answers)', () => {
    const r = new OwnerReservations();
    r.take('alice', 'c2', ['c1'], 3, 'containers');
    // c2 is now also in the index (the engine reported it): still two places used, the third is free.
    expect(() => r.take('alice', 'c3', ['c1', 'c2'], 3, 'containers')).not.toThrow();
    expect(() => r.take('alice', 'c4', ['c1', 'c2'], 3, 'containers')).toThrow();
  });
});
