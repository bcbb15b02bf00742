import { describe, expect, it } from 'vitest';
import { mintTicket, ticketMatches } from '../../src/container-ticket.js';

// Container tickets: each container gets its own ticket (≥ 128 bits); berth keeps only its hash.
describe('container tickets', () => {
  it('are random, at least 128 bits, and kept only as a hash that matches them', () => {
    const a = mintTicket();
    const b = mintTicket();
    expect(a.ticket).not.toBe(b.ticket);
    expect(Buffer.from(a.ticket, 'base64url').length).toBeGreaterThanOrEqual(16);
    expect(a.hash).not.toContain(a.ticket);
    expect(ticketMatches(a.ticket, a.hash)).toBe(true);
    expect(ticketMatches(b.ticket, a.hash)).toBe(false);
    expect(ticketMatches('', a.hash)).toBe(false);
    expect(ticketMatches(a.ticket, 'sha256:nothex')).toBe(false);
    expect(ticketMatches(a.ticket, undefined)).toBe(false);
  });
});
