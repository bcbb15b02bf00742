import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const PREFIX = 'sha256:';

/**
 * A container's own ticket for joining the fabric as `D.<name>`: 256 random bits. The container gets the ticket
 * in its environment; berth keeps only the hash, as a label, so it survives berth restarts and is never logged or
 * returned.
 */
export function mintTicket(): { ticket: string; hash: string } {
  const ticket = randomBytes(32).toString('base64url');
  return { ticket, hash: hashTicket(ticket) };
}

export function hashTicket(ticket: string): string {
  return `${PREFIX}${createHash('sha256').update(ticket).digest('hex')}`;
}

/** Whether `ticket` is the one whose hash is `hash` (compared in constant time). */
export function ticketMatches(ticket: string, hash: string | undefined): boolean {
  if (!hash?.startsWith(PREFIX) || ticket === '') return false;
  const want = Buffer.from(hash.slice(PREFIX.length), 'hex');
  const got = createHash('sha256').update(ticket).digest();
  return want.length === got.length && timingSafeEqual(want, got);
}
