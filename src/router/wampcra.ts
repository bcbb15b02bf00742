import { createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

/** PBKDF2-SHA256 key of a salted WAMP-CRA secret, Base64 (what autobahn's `derive_key` returns and then signs with). */
export function deriveKey(secret: string, salt: string, iterations = 1000, keylen = 32): string {
  return pbkdf2Sync(secret, salt, iterations, keylen, 'sha256').toString('base64');
}

/** WAMP-CRA signature: Base64 HMAC-SHA256 of the challenge string, keyed with the (derived) secret's UTF-8 bytes. */
export function signChallenge(key: string, challenge: string): string {
  return createHmac('sha256', key).update(challenge, 'utf8').digest('base64');
}

/** Constant-time comparison, so the time to reject does not leak how much of a signature or ticket was right. */
export function sameSecret(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The challenge Crossbar.io sends: a JSON string naming the pending session, with a fresh nonce and timestamp. */
export function makeChallenge(fields: { authid: string; authrole: string; session: number }): string {
  return JSON.stringify({
    authid: fields.authid,
    authrole: fields.authrole,
    authmethod: 'wampcra',
    authprovider: 'static',
    session: fields.session,
    nonce: randomBytes(24).toString('base64'),
    timestamp: new Date().toISOString(),
  });
}
