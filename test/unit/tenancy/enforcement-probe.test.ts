import { createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log.js';
import { EmbeddedRouter } from '../../../src/router/embedded-router.js';
import { NOT_ENFORCED_WARNING, probeEnforcement } from '../../../src/tenancy/enforcement-probe.js';

const ALL = { call: true, register: true, publish: true, subscribe: true };
const realm = (register: boolean) => ({
  name: 'realm1',
  roles: [{ name: 'anonymous', permissions: [{ uri: '', match: 'prefix' as const, allow: { ...ALL, register } }] }],
});

function logLines() {
  const lines: { level: number; msg: string }[] = [];
  return { lines, log: createLogger('debug', { write: (s: string) => void lines.push(JSON.parse(s) as { level: number; msg: string }) }) };
}

describe('the enforcement probe (does the router enforce berth\'s rules?)', () => {
  let stop: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const s of stop.reverse()) await s();
    stop = [];
  });

  it('a router that welcomes a wrong ticket as anonymous and lets it register in berth\'s namespace: not enforced, one warning', async () => {
    const router = await EmbeddedRouter.start({ listen: [{ host: '127.0.0.1', port: 0 }], realms: [realm(true)], limits: { pingIntervalMs: 0 } });
    stop.push(() => router.stop());
    const { lines, log } = logLines();
    expect(await probeEnforcement({ url: router.urls[0]!, realm: 'realm1', domain: 'berth', log })).toBe('not-enforced');
    expect(lines.filter((l) => l.msg === NOT_ENFORCED_WARNING && l.level === 40)).toHaveLength(1);
  });

  it('a router that refuses the ticket (a static principal list), or refuses the registration: enforced, no warning', async () => {
    const ticketed = await EmbeddedRouter.start({
      listen: [{ host: '127.0.0.1', port: 0 }],
      realms: [realm(true)],
      auth: { anonymous: { role: 'anonymous' }, ticket: { principals: { alice: { ticket: 'a', role: 'anonymous' } } } },
      limits: { pingIntervalMs: 0 },
    });
    stop.push(() => ticketed.stop());
    const guarded = await EmbeddedRouter.start({ listen: [{ host: '127.0.0.1', port: 0 }], realms: [realm(false)], limits: { pingIntervalMs: 0 } });
    stop.push(() => guarded.stop());
    for (const router of [ticketed, guarded]) {
      const { lines, log } = logLines();
      expect(await probeEnforcement({ url: router.urls[0]!, realm: 'realm1', domain: 'berth', log })).toBe('enforced');
      expect(lines.filter((l) => l.msg === NOT_ENFORCED_WARNING)).toEqual([]);
    }
  });

  it('a router that never answers: unknown within the timeout, no warning', async () => {
    const sockets: Socket[] = [];
    const server = createServer((s) => {
      s.on('error', () => undefined);
      sockets.push(s);
    });
    server.on('error', () => undefined);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    stop.push(() => new Promise((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }));
    const { port } = server.address() as { port: number };
    const { lines, log } = logLines();
    const t0 = Date.now();
    expect(await probeEnforcement({ url: `ws://127.0.0.1:${port}/`, realm: 'realm1', domain: 'berth', log, timeoutMs: 500 })).toBe('unknown');
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(lines.filter((l) => l.msg === NOT_ENFORCED_WARNING)).toEqual([]);
  });
});
