/** Docker's built-in `default-address-pools` (when daemon.json sets none): 172.17–31.0.0/16 whole, 192.168.0.0/16 in /20s. */
export const DOCKER_DEFAULT_POOLS: readonly { base: string; size: number }[] = [
  ...Array.from({ length: 15 }, (_, i) => ({ base: `172.${17 + i}.0.0/16`, size: 16 })),
  { base: '192.168.0.0/16', size: 20 },
];

/** The networks berth makes per domain: its containers' network and its builds' network. */
export const BERTH_NETWORKS = 2;

/** How many subnets the pools can still hand out: those of each pool that overlap no subnet in use (IPv4 only). */
export function freeSubnets(pools: readonly { base: string; size: number }[], used: readonly string[]): { free: number; total: number } {
  const taken = used.map(parseCidr).filter((c): c is Cidr => c !== undefined);
  let free = 0;
  let total = 0;
  for (const pool of pools) {
    const base = parseCidr(pool.base);
    if (!base || pool.size < base.bits || pool.size > 32) continue;
    const count = 2 ** (pool.size - base.bits);
    const step = 2 ** (32 - pool.size);
    for (let i = 0; i < count && i < 65_536; i++) {
      total++;
      const candidate = { start: base.start + i * step, bits: pool.size };
      if (!taken.some((t) => overlaps(t, candidate))) free++;
    }
  }
  return { free, total };
}

interface Cidr {
  start: number;
  bits: number;
}

function parseCidr(cidr: string): Cidr | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  if (!m) return undefined;
  const bits = Number(m[5]);
  const address = ((Number(m[1]) << 24) >>> 0) + (Number(m[2]) << 16) + (Number(m[3]) << 8) + Number(m[4]);
  const size = 2 ** (32 - bits);
  return { start: Math.floor(address / size) * size, bits };
}

function overlaps(a: Cidr, b: Cidr): boolean {
  const aEnd = a.start + 2 ** (32 - a.bits);
  const bEnd = b.start + 2 ** (32 - b.bits);
  return a.start < bEnd && b.start < aEnd;
}
