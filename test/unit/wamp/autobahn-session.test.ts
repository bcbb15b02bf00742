import { createRequire } from 'node:module';
import { describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../../src/log.js';
import { routeAutobahnLog } from '../../../src/wamp/autobahn-log.js';
import { EmbeddedRouter } from '../../../src/router/embedded-router.js';
import { AutobahnSession, REJOIN } from '../../../src/wamp/autobahn-session.js';
import { waitFor } from '../../helpers/wait-for.js';
import { connect, startRouter, startSession } from './session-fixture.js';

describe('berth session over autobahn', () => {
  it('waits at most 1.4 s before a rejoin, however long the router was away, with jitter', () => {
    let step: number = REJOIN.initialMs;
    const delays: number[] = [];
    for (let i = 0; i < 50; i++) {
      const { delayMs, nextStep } = AutobahnSession.rejoinDelay(step, Math.random());
      delays.push(delayMs);
      step = nextStep;
    }
    expect(Math.max(...delays)).toBeLessThanOrEqual(1_400);
    expect(AutobahnSession.rejoinDelay(step, 1).delayMs).toBeLessThan(AutobahnSession.rejoinDelay(step, 0).delayMs);
    expect(new Set(delays.slice(10)).size).toBeGreaterThan(1);
  });

  it("puts autobahn-js's own console lines into berth's JSON log instead", () => {
    const lines: Record<string, unknown>[] = [];
    const log = createLogger('debug', { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      routeAutobahnLog(log);
      const lib = createRequire(import.meta.url)('autobahn/lib/log.js') as { warn: (...a: unknown[]) => void };
      lib.warn('auto-reconnecting in 1.2s ..');
      lib.warn('JSON encoding error', { at: 1 });
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
    expect(lines.map((l) => [l.level, l.autobahn])).toEqual([[20, 'auto-reconnecting in 1.2s ..'], [40, 'JSON encoding error {"at":1}']]);
  });

  it('is back with its registrations soon after its router returns on the same port', { timeout: 30_000 }, async () => {
    const first = await startRouter();
    const port = Number(new URL(first.urls[0]!).port);
    const { session, joins } = await startSession('autobahn', first);
    await session.register('berth/list', async () => ['listed']);
    await first.stop();
    await new Promise((r) => setTimeout(r, 3_000));
    const again = await EmbeddedRouter.start(optionsOf(port));
    const back = Date.now();
    try {
      await waitFor('berth to rejoin', () => joins() === 2, 10_000, 20);
      expect(Date.now() - back).toBeLessThan(2_000);
      await using client = await connect(again);
      expect(await client.call('berth/list')).toEqual(['listed']);
    } finally {
      await session.stop();
      await again.stop();
    }
  });
});

/** The fixture router's options, on a given port. */
function optionsOf(port: number): Parameters<typeof EmbeddedRouter.start>[0] {
  const ALL = { call: true, register: true, publish: true, subscribe: true };
  return {
    listen: [{ host: '127.0.0.1', port }],
    realms: [{ name: 'realm1', roles: [{ name: 'berth', permissions: [{ uri: '', match: 'prefix', allow: ALL }] }, { name: 'anonymous', permissions: [{ uri: '', match: 'prefix', allow: ALL }] }] }],
    auth: { anonymous: { role: 'anonymous' }, ticket: { principals: { berth: { ticket: 'unit-test-ticket', role: 'berth' } } } },
    limits: { pingIntervalMs: 0 },
  };
}
