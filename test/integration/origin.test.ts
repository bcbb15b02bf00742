import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess } from '../helpers/berth-process.js';
import { launchBrowser } from '../helpers/browser.js';
import { cleanDomain, makeImage, testDomain } from '../helpers/docker.js';
import { freePort } from '../helpers/wait-for.js';
import { WampClient } from '../helpers/wamp-client.js';

/** What a WebSocket upgrade with these headers gets: 'open' (and the answer to HELLO, if any) or the HTTP status. */
function tryUpgrade(url: string, headers: Record<string, string>): Promise<{ status: number; welcome?: boolean }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, ['wamp.2.json'], { headers });
    ws.on('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode ?? 0 });
      ws.terminate();
    });
    ws.on('error', () => resolve({ status: -1 }));
    ws.on('open', () => ws.send(JSON.stringify([1, 'realm1', { roles: { caller: {} } }])));
    ws.on('message', (m) => {
      resolve({ status: 101, welcome: JSON.parse(m.toString())[0] === 2 });
      ws.close();
    });
  });
}

/** A page on another origin whose script tries to join berth's router, as a hostile site would. */
const HOSTILE_PAGE = (routerUrl: string) => `<!doctype html><html><body><pre id="out">trying</pre><script>
  const out = document.getElementById('out');
  const ws = new WebSocket(${JSON.stringify(routerUrl)}, ['wamp.2.json']);
  ws.onopen = () => ws.send(JSON.stringify([1, 'realm1', { roles: { caller: {} } }]));
  ws.onmessage = (m) => { out.textContent = 'joined ' + m.data; };
  ws.onerror = () => { out.textContent = 'refused'; };
</script></body></html>`;

describe('the embedded router checks the Origin of WebSocket upgrades', { timeout: 120_000 }, () => {
  const D = testDomain('orig');
  const dir = mkdtempSync(join(tmpdir(), 'berth-orig-'));
  let berth: BerthProcess;
  let browser: Browser;
  let port: number;
  let hostile: Server;
  let hostilePort: number;
  let router: string;

  beforeAll(async () => {
    await makeImage(D, 'bb');
    port = await freePort();
    router = `ws://127.0.0.1:${port}/ws`;
    hostilePort = await freePort();
    const config = join(dir, 'berth.yaml');
    writeFileSync(config, `embeddedRouter:\n  allowedOrigins: ["http://127.0.0.3:${hostilePort}"]\n`);
    berth = await BerthProcess.start(['--listen', `127.0.0.1:${port}`, '--domain', D, '--config', config]);
    hostile = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(HOSTILE_PAGE(router)));
    await new Promise<void>((resolve) => hostile.listen(hostilePort, '0.0.0.0', resolve));
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    hostile?.close();
    await berth?.stop();
    await cleanDomain(D);
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a page of another origin in Chromium, before any WebSocket exists', async () => {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.2:${hostilePort}/`);
    await page.waitForFunction(() => document.getElementById('out')?.textContent !== 'trying', undefined, { timeout: 10_000 });
    expect(await page.locator('#out').textContent()).toBe('refused');
    expect(berth.lines.some((l) => l.msg.startsWith('refused a WebSocket upgrade from a page of another origin') && l.origin === `http://127.0.0.2:${hostilePort}`)).toBe(true);
    await page.close();
  });

  it('lets a page of a configured origin (embeddedRouter.allowedOrigins) join', async () => {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.3:${hostilePort}/`);
    await page.waitForFunction(() => document.getElementById('out')?.textContent !== 'trying', undefined, { timeout: 10_000 });
    expect(await page.locator('#out').textContent()).toMatch(/^joined \[2,/);
    await page.close();
  });

  it("lets the dashboard on its own origin join and drive berth", async () => {
    const page = await browser.newPage();
    const c = await WampClient.connect(router);
    await c.call(`${D}/create`, ['bb', 'own1']);
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.locator('tr[data-name="own1"]').waitFor({ timeout: 15_000 });
    await page.close();
    // localhost is this machine's own name for the same listener.
    expect(await tryUpgrade(router, { Origin: `http://localhost:${port}` })).toEqual({ status: 101, welcome: true });
    await c.call(`${D}/remove`, ['own1']);
    await c.close();
  });

  it('refuses forged and odd origins with 403 and lets clients without an Origin join', async () => {
    for (const origin of ['http://evil.example.com', `http://127.0.0.1:${port + 1}`, `https://127.0.0.2:${port}`, 'null', 'file://', `http://127.0.0.1:${port}.evil.example.com`]) {
      expect(await tryUpgrade(router, { Origin: origin }), origin).toEqual({ status: 403 });
    }
    expect(await tryUpgrade(router, {})).toEqual({ status: 101, welcome: true });
    await using client = await WampClient.connect(router);
    expect(await client.call(`${D}/list`)).toEqual([]);
  });
});
