import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, describe, expect, it } from 'vitest';
import { BerthProcess } from '../helpers/berth-process.js';
import { cleanDomain, makeImage, testDomain } from '../helpers/docker.js';
import { freePort, portOpen, waitFor } from '../helpers/wait-for.js';
import { WampClient } from '../helpers/wamp-client.js';

/** IPv4 addresses with a listening TCP socket on `port`, from /proc/net/tcp. */
function listeners(port: number): string[] {
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f[3] === '0A' && parseInt(f[1]!.split(':')[1]!, 16) === port)
    .map((f) => {
      const hex = f[1]!.split(':')[0]!;
      return [3, 2, 1, 0].map((i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join('.');
    });
}

describe('zero-config berth: the embedded router', { timeout: 180_000 }, () => {
  const D = testDomain('zc');
  afterAll(() => cleanDomain(D));

  it('without --router, serves the appliance on --listen and lets containers reach the router at WS_URL', async () => {
    // The container checks that it reaches the host and port of its WS_URL (an HTTP request to a WAMP-only endpoint).
    await makeImage(D, 'probe', {
      cmd: ['/bin/sh', '-c', 'hp=${WS_URL#ws://}; hp=${hp%%/*}; printf "GET /ws HTTP/1.0\\r\\n\\r\\n" | nc ${hp%:*} ${hp##*:}; echo done; trap "exit 0" TERM; while true; do sleep 1; done'],
    });
    const port = await freePort();
    await using berth = await BerthProcess.start(['--listen', `127.0.0.1:${port}`, '--domain', D]);
    expect(berth.lines.find((l) => l.msg === 'joined the router')).toMatchObject({ embedded: true, router: `ws://127.0.0.1:${port}/ws` });
    const addresses = listeners(port).sort();
    expect(addresses[0]).toBe('127.0.0.1');
    expect(addresses.length).toBe(2); // --listen and the bridge gateway, nothing else
    expect(addresses).not.toContain('0.0.0.0');

    await using client = await WampClient.connect(`ws://127.0.0.1:${port}/ws`);
    const c = await client.call<{ name: string; domain: string }>(`${D}/create`, ['probe', 'p1']);
    expect(c.domain).toBe(`${D}.p1`);
    const info = await client.call<{ config: { environment: Record<string, string> } }>(`${D}/p1/inspect`);
    expect(info.config.environment.WS_URL).toBe(`ws://host.docker.internal:${port}/ws`);
    const logs = await waitFor('the probe to finish', async () => {
      const text = await client.call<string>(`${D}/p1/logs`);
      return text.includes('done') ? text : undefined;
    });
    expect(logs).toContain('426 Upgrade Required');
    expect(logs).toContain('WAMP over WebSocket only');
    await client.call(`${D}/remove`, ['p1']);
  });

  it("keeps the appliance's namespace berth's own and the containers' domains theirs: others may call but not register or publish there", async () => {
    const port = await freePort();
    await using _berth = await BerthProcess.start(['--listen', `127.0.0.1:${port}`, '--domain', D]);
    await using client = await WampClient.connect(`ws://127.0.0.1:${port}/ws`);
    await expect(client.session.register(`${D}/evil`, () => 1)).rejects.toMatchObject({ error: 'wamp.error.not_authorized' });
    await expect(client.session.register(`${D}/ghost/start`, () => 1)).rejects.toMatchObject({ error: 'wamp.error.not_authorized' });
    await expect(client.session.publish(`${D}/build/x`, ['forged'], {}, { acknowledge: true })).rejects.toMatchObject({ error: 'wamp.error.not_authorized' });
    // A container's domain is its own (container confinement): others may not register or publish there either.
    await expect(client.session.register(`${D}.web/hello`, () => 'forged')).rejects.toMatchObject({ error: 'wamp.error.not_authorized' });
    await expect(client.session.publish(`${D}.web/news`, ['forged'], {}, { acknowledge: true })).rejects.toMatchObject({ error: 'wamp.error.not_authorized' });
    // Everything outside the domain stays open to them.
    const reg = await client.session.register('com.example.hello', () => 'hi');
    expect(await client.call('com.example.hello')).toBe('hi');
    await client.session.unregister(reg);
    expect(await client.call(`${D}/list`)).toEqual([]);
  });

  // Squatting: an anonymous peer registered prefix `berth` (or wildcard "") and, once a 1 MiB answer had closed
  // berth's own session, answered calls to berth/create (with the caller's secrets in `environment`) in its place.
  it('the squat-and-kick sequence: covering registrations are refused and a huge answer does not push berth off', async () => {
    await makeImage(D, 'chatty', { cmd: ['/bin/sh', '-c', 'i=0; while [ $i -lt 40000 ]; do echo "line $i of a chatty container ....................................."; i=$((i+1)); done; trap "exit 0" TERM; while true; do sleep 1; done'] });
    const port = await freePort();
    await using berth = await BerthProcess.start(['--listen', `127.0.0.1:${port}`, '--domain', D]);
    await using squatter = await WampClient.connect(`ws://127.0.0.1:${port}/ws`);
    await using client = await WampClient.connect(`ws://127.0.0.1:${port}/ws`);
    for (const [uri, match] of [[D, 'prefix'], [D.slice(0, 1), 'prefix'], ['', 'prefix'], ['', 'wildcard'], [`${D.toUpperCase()}/create`, 'exact'], [`${D}/x/top`, 'exact'], [`${D}/loud/logs`, 'exact']] as const) {
      await expect(squatter.session.register(uri, () => 'forged', { match } as never), `${match} "${uri}"`).rejects.toMatchObject({ error: 'wamp.error.not_authorized' });
    }
    await client.call(`${D}/create`, ['chatty', 'loud']);
    await waitFor('the container to have written its lines', async () => (await client.call<string>(`${D}/loud/logs`, [], { tail: 5 })).includes('line 39999'), 60_000);
    const err = await client.callError(`${D}/loud/logs`, [], { tail: 100_000 });
    expect(err.error).toBe('berth.error.too_large');
    expect(String(err.args[0])).toMatch(/tail/);
    // berth is still the one answering under its namespace
    expect(await client.call<{ name: string }[]>(`${D}/list`)).toEqual([expect.objectContaining({ name: 'loud' })]);
    expect(berth.joinCount()).toBe(1);
    await client.call(`${D}/remove`, ['loud']);
  });

  // Connection limits: ~20k WebSocket connections used up berth's file descriptors (engine calls failed, a build crashed
  // the process). With embeddedRouter limits, a flood is refused at the door and berth keeps answering.
  it('a connection flood is refused past embeddedRouter.maxConnectionsPerAddress; berth keeps answering and never crashes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-flood-'));
    const config = join(dir, 'berth.yaml');
    writeFileSync(config, 'embeddedRouter:\n  maxConnectionsPerAddress: 50\n');
    const port = await freePort();
    await using berth = await BerthProcess.start(['--listen', `127.0.0.1:${port}`, '--domain', D, '--config', config]);
    await using client = await WampClient.connect(`ws://127.0.0.1:${port}/ws`);
    const opened: WebSocket[] = [];
    const outcomes = new Map<string, number>();
    const attempt = () =>
      new Promise<void>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, ['wamp.2.json']);
        let settled = false;
        const done = (what: string) => {
          if (settled) return;
          settled = true;
          outcomes.set(what, (outcomes.get(what) ?? 0) + 1);
          resolve();
        };
        ws.once('open', () => (opened.push(ws), done('open')));
        ws.once('unexpected-response', (_req, res) => (done(String(res.statusCode)), res.resume(), ws.terminate()));
        ws.once('error', () => done('error'));
      });
    try {
      for (let batch = 0; batch < 10; batch++) await Promise.all(Array.from({ length: 100 }, attempt));
      // 50 per address: the client above holds one, so 49 of the 1000 get in; the rest are refused before any WebSocket
      expect(Object.fromEntries(outcomes)).toEqual({ open: 49, 503: 951 });
      const t0 = Date.now();
      expect(await client.call(`${D}/list`)).toEqual([]);
      expect(Date.now() - t0).toBeLessThan(5_000);
    } finally {
      opened.forEach((ws) => ws.terminate());
      rmSync(dir, { recursive: true, force: true });
    }
    expect(berth.child.exitCode).toBeNull();
  });

  it('SIGTERM closes the embedded router too, and the port is free again', async () => {
    const port = await freePort();
    const berth = await BerthProcess.start(['--listen', `127.0.0.1:${port}`, '--domain', D]);
    expect(await berth.stop()).toBe(0);
    expect(await portOpen(port)).toBe(false);
  });

  it('a busy --listen port is a clear start-up error', async () => {
    const port = await freePort();
    await using _first = await BerthProcess.start(['--listen', `127.0.0.1:${port}`, '--domain', D]);
    const second = BerthProcess.spawn(['--listen', `127.0.0.1:${port}`, '--domain', D]);
    expect(await second.exited()).toBe(2);
    expect(second.stderr.trim()).toBe(`berth: cannot listen on --listen (BERTH_LISTEN) 127.0.0.1:${port}: EADDRINUSE`);
  });
});
