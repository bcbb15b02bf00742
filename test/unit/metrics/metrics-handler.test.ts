import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log.js';
import { withMetrics } from '../../../src/metrics/metrics-handler.js';
import { createMetrics, NO_METRICS } from '../../../src/metrics/metrics.js';
import type { HttpHandler } from '../../../src/router/router-config.js';

const TOKEN = 'a-token-of-at-least-16';
const page: HttpHandler = (_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('page\n');
const servers: Server[] = [];

async function serve(handler: HttpHandler | undefined): Promise<string> {
  const server = createServer(handler ?? ((_req, res) => res.writeHead(426).end()));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

describe('withMetrics', () => {
  const log = createLogger('silent');

  it('is not there when metrics are off: the listener\'s own answers stand', () => {
    expect(withMetrics(NO_METRICS, TOKEN, log, page)).toBe(page);
    expect(withMetrics(NO_METRICS, undefined, log, undefined)).toBeUndefined();
  });

  it('answers /metrics with the bearer token, 401 without, and hands every other path on', async () => {
    const url = await serve(withMetrics(createMetrics({ enabled: true }, 'd'), TOKEN, log, page));
    const ok = await fetch(`${url}/metrics?x=1`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('# TYPE berth_calls_total counter');
    for (const authorization of [undefined, 'Bearer nope', `bearer ${TOKEN.slice(0, -1)}`, TOKEN]) {
      const res = await fetch(`${url}/metrics`, { headers: authorization ? { authorization } : {} });
      expect(res.status, authorization).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
    }
    expect((await fetch(`${url}/metrics`, { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(405);
    expect(await (await fetch(`${url}/`)).text()).toBe('page\n');
  });

  it('alone on a listener (no dashboard), every other path is 404', async () => {
    const url = await serve(withMetrics(createMetrics({ enabled: true }, 'd'), TOKEN, log, undefined));
    expect((await fetch(`${url}/`)).status).toBe(404);
    expect((await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
  });
});
