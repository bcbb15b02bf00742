import { networkInterfaces } from 'node:os';

/** Decides whether a WebSocket upgrade that carries this `Origin` header may go on (a browser's page at that origin). */
export type OriginPolicy = (origin: string) => boolean;

/** Where a page that may join is served: a listener's host and port (a wildcard host means any address of this machine). */
export interface OwnListener {
  readonly host: string;
  readonly port: number;
}

const WILDCARDS = new Set(['0.0.0.0', '::']);
const LOOPBACK = new Set(['127.0.0.1', '::1']);

/**
 * Browsers send `Origin` with every WebSocket upgrade and let any page open one to any address: without this check a
 * page the user merely visits could join berth's router and drive it (cross-site WebSocket hijacking). Allowed: the
 * origins berth's own pages are served from (`own`: the dashboard's listeners, by their literal addresses, plus
 * `localhost` for a loopback one; for a wildcard listener, the addresses of this machine's interfaces), and `extra`
 * (`embeddedRouter.allowedOrigins`). Host names other than `localhost` are never derived: a name an attacker controls
 * could be made to resolve to this machine (DNS rebinding) and would then look like berth's own origin.
 */
export function originPolicy(own: readonly OwnListener[], extra: readonly string[] = []): OriginPolicy {
  const allowed = new Set(extra.map(normalOrigin).filter((o): o is string => o !== undefined));
  // A wildcard listener's addresses are this machine's as they are at each upgrade (an interface may come or change).
  const wildcardPorts = new Set(own.filter((l) => WILDCARDS.has(l.host)).map((l) => l.port));
  for (const listener of own) {
    if (WILDCARDS.has(listener.host)) continue;
    for (const host of LOOPBACK.has(listener.host) ? [listener.host, 'localhost'] : [listener.host]) {
      for (const origin of origins(host, listener.port)) allowed.add(origin);
    }
  }
  return (origin) => {
    const normal = normalOrigin(origin);
    if (normal === undefined) return false;
    if (allowed.has(normal)) return true;
    for (const port of wildcardPorts) {
      if ([...interfaceAddresses(), 'localhost'].some((host) => origins(host, port).includes(normal))) return true;
    }
    return false;
  };
}

/** The http and https origins of a page served from `host:port`, normalized. */
function origins(host: string, port: number): string[] {
  return ['http', 'https'].map((scheme) => normalOrigin(`${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`)).filter((o): o is string => o !== undefined);
}

/** `HTTP://LocalHost:80` → `http://localhost`; anything that is not an http(s) origin (`null`, a path, garbage) → undefined. */
export function normalOrigin(origin: string): string | undefined {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  return url.origin;
}

function interfaceAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((a) => a !== undefined)
    .map((a) => a.address.replace(/%.*$/, ''));
}
