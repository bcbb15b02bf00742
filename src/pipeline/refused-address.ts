import { isIP } from 'node:net';

/** IPv4 ranges a build never clones from unless build.allowPrivateHosts: not globally routable. */
const V4_REFUSED: readonly [string, number][] = [
  ['0.0.0.0', 8], // "this network", incl. 0.0.0.0
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, incl. broadcast
];

/** Loopback, private, link-local, unspecified, multicast or otherwise not a public unicast address. */
export function isRefusedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return isRefusedV4(v4ToInt(address));
  if (family === 6) return isRefusedV6(v6ToGroups(address));
  return true;
}

function isRefusedV4(n: number): boolean {
  return V4_REFUSED.some(([base, bits]) => (n & mask(bits)) >>> 0 === (v4ToInt(base) & mask(bits)) >>> 0);
}

function isRefusedV6(g: number[]): boolean {
  const top = g[0]!;
  const embeddedV4 = ((g[6]! << 16) | g[7]!) >>> 0;
  if (g.slice(0, 5).every((x) => x === 0) && (g[5] === 0xffff || g[5] === 0)) {
    // ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible, deprecated), :: and ::1.
    return g[5] === 0 ? true : isRefusedV4(embeddedV4);
  }
  if (top === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return isRefusedV4(embeddedV4); // NAT64
  if ((top & 0xfe00) === 0xfc00) return true; // unique local fc00::/7
  if ((top & 0xffc0) === 0xfe80) return true; // link-local fe80::/10
  if ((top & 0xffc0) === 0xfec0) return true; // site-local (deprecated) fec0::/10
  if ((top & 0xff00) === 0xff00) return true; // multicast
  if (top === 0x2001 && g[1] === 0x0db8) return true; // documentation
  if (top === 0x2002) return isRefusedV4(((g[1]! << 16) | g[2]!) >>> 0); // 6to4 wraps an IPv4 address
  return false;
}

function mask(bits: number): number {
  return bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
}

function v4ToInt(a: string): number {
  return a.split('.').reduce((n, o) => ((n << 8) | Number(o)) >>> 0, 0);
}

/** Eight 16-bit groups of an IPv6 address (with "::" expanded and a trailing dotted IPv4 part converted). */
function v6ToGroups(a: string): number[] {
  let s = a.replace(/%.*$/, '');
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const n = v4ToInt(v4[1]!);
    s = s.slice(0, v4.index) + `${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : Array(8 - h.length - t.length).fill('0');
  return [...h, ...zeros, ...t].map((x) => parseInt(x, 16));
}
