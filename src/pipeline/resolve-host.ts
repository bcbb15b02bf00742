import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { BerthError } from '../errors.js';
import { isRefusedAddress } from './refused-address.js';

const LOOKUP_TIMEOUT_MS = 10_000;

/**
 * The address git will connect to. Every address the name resolves to must be allowed (an attacker's DNS could mix a
 * public and a private answer); the clone is then pinned to the first one so a second lookup cannot rebind it.
 * A literal IP needs no lookup, so a refused literal is refused before any packet.
 */
export async function resolveHost(host: string, allowPrivate: boolean): Promise<string> {
  if (isIP(host)) {
    if (!allowPrivate && isRefusedAddress(host)) throw refused(host, host);
    return host;
  }
  if (/^localhost\.?$/i.test(host) || /\.localhost\.?$/i.test(host)) {
    if (!allowPrivate) throw refused(host, 'loopback');
  }
  let addresses: { address: string }[];
  try {
    addresses = await withTimeout(lookup(host, { all: true, verbatim: true }), LOOKUP_TIMEOUT_MS);
  } catch (err) {
    throw new BerthError('clone_failed', `cannot resolve host ${host}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { host }, { cause: err });
  }
  if (addresses.length === 0) throw new BerthError('clone_failed', `host ${host} has no address`, { host });
  if (!allowPrivate) {
    const bad = addresses.find((a) => isRefusedAddress(a.address));
    if (bad) throw refused(host, bad.address);
  }
  return addresses[0]!.address;
}

function refused(host: string, address: string): BerthError {
  return new BerthError(
    'invalid_url',
    `host ${host} is loopback, private or link-local (${address}); set build.allowPrivateHosts to clone from it`,
    { host },
  );
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`lookup timed out after ${ms} ms`)), ms)));
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
