import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { BerthProcess } from '../helpers/berth-process.js';
import { TEST_AUTHID, TEST_TICKET } from '../helpers/crossbar.js';
import { nexusSkip, ON_NEXUS } from '../helpers/test-router.js';
import { cleanDomain, makeImage, testDomain } from '../helpers/docker.js';
import { waitFor } from '../helpers/wait-for.js';
import { WampClient } from '../helpers/wamp-client.js';

const routerUrl = inject('routerUrl');
const dir = mkdtempSync(join(tmpdir(), 'berth-cli-'));

async function badOption(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const p = BerthProcess.spawn(args, { BERTH_ROUTER: '', ...env });
  const code = await p.exited();
  return { code, stderr: p.stderr, stdout: p.stdout };
}

describe('the berth command line', { timeout: 120_000 }, () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    [['--listen', 'localhost'], {}, /--listen \(BERTH_LISTEN\).*host:port/],
    [['--router', 'http://x'], {}, /--router \(BERTH_ROUTER\).*ws:\/\//],
    [['--router', 'ws://127.0.0.1:1/ws', '--domain', 'Bad Domain'], {}, /--domain \(BERTH_DOMAIN\)/],
    [['--router', 'ws://127.0.0.1:1/ws', '--log-level', 'loud'], {}, /--log-level \(BERTH_LOG_LEVEL\)/],
    [['--router', 'ws://127.0.0.1:1/ws', '--docker-host', 'ftp://x'], {}, /--docker-host \(DOCKER_HOST\)/],
    [['--router', 'ws://127.0.0.1:1/ws', '--ticket', 'sekrit'], {}, /--authid \(BERTH_AUTHID\).*required with a ticket/],
    [['--bogus'], {}, /Unknown option '--bogus'/],
    [[], { BERTH_REALM: 'has space', BERTH_ROUTER: 'ws://127.0.0.1:1/ws' }, /--realm \(BERTH_REALM\)/],
    [['--config', '/nonexistent.yaml'], {}, /--config: cannot read/],
  ] as const)('%j %j exits 2 with one line naming the option', async (args, env, message) => {
    const r = await badOption([...args], env);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines.length).toBe(1);
    expect(lines[0]).toMatch(/^berth: /);
    expect(lines[0]).toMatch(message);
    expect(r.stderr).not.toContain('sekrit');
  });

  it('a config file is validated too: unknown keys and bad values are named', async () => {
    const f1 = join(dir, 'unknown.yaml');
    writeFileSync(f1, 'router: ws://127.0.0.1:1/ws\nrouterr: x\n');
    expect((await badOption(['--config', f1])).stderr).toMatch(/unknown config key "routerr"/);
    const f2 = join(dir, 'bad.yaml');
    writeFileSync(f2, 'router: ws://127.0.0.1:1/ws\ndomain: 42\n');
    expect((await badOption(['--config', f2])).stderr).toMatch(/--domain \(BERTH_DOMAIN\)/);
    const f3 = join(dir, 'notyaml.yaml');
    writeFileSync(f3, 'router: [unclosed\n');
    expect((await badOption(['--config', f3])).stderr).toMatch(/not valid YAML/);
  });

  it('flags override the environment, which overrides the config file', async () => {
    const D = testDomain('cfg');
    const f = join(dir, 'ok.yaml');
    writeFileSync(f, `router: ws://127.0.0.1:1/ws\ndomain: fromfile\nlogLevel: debug\n`);
    await using berth = await BerthProcess.start(['--config', f, '--domain', D], { env: { BERTH_ROUTER: routerUrl, BERTH_DOMAIN: 'fromenv' } });
    expect(berth.lines.find((l) => l.msg === 'joined the router')).toMatchObject({ domain: D, router: routerUrl });
  });

  it.skipIf(ON_NEXUS)(nexusSkip('joins with ticket authentication, and never logs the ticket', 'tickets'), async () => {
    const D = testDomain('tkt');
    await makeImage(D, 'bb');
    try {
      await using berth = await BerthProcess.start(['--router', routerUrl, '--domain', D, '--authid', TEST_AUTHID], { env: { BERTH_TICKET: TEST_TICKET } });
      await using client = await WampClient.connect(routerUrl);
      await client.call(`${D}/create`, ['bb', 'secretive', { API_KEY: 'do-not-log-me' }]);
      await client.call(`${D}/secretive/inspect`);
      await client.call(`${D}/remove`, ['secretive']);
      expect(berth.stdout).not.toContain(TEST_TICKET);
      expect(berth.stdout).not.toContain('do-not-log-me');
      expect(berth.stderr).not.toContain(TEST_TICKET);
    } finally {
      await cleanDomain(D);
    }
  });

  it('a wrong ticket is refused by the router: berth logs it and keeps retrying', async () => {
    await using berth = BerthProcess.spawn(['--router', routerUrl, '--domain', testDomain('bad'), '--authid', TEST_AUTHID, '--ticket', 'wrong-ticket']);
    await waitFor('a refusal', () => berth.lines.some((l) => l.msg === 'left the router'), 20_000);
    expect(berth.joinCount()).toBe(0);
    expect(berth.child.exitCode).toBeNull();
    expect(berth.stdout).not.toContain('wrong-ticket');
  });

  it('SIGTERM: leaves the router and exits 0 within 5 s', async () => {
    const D = testDomain('sig');
    const berth = await BerthProcess.start(['--router', routerUrl, '--domain', D]);
    await using client = await WampClient.connect(routerUrl);
    const t0 = Date.now();
    expect(await berth.stop()).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(await client.isRegistered(`${D}/list`)).toBe(false);
  });

  it('SIGINT while the router is unreachable still exits 0 within 5 s', async () => {
    const berth = BerthProcess.spawn(['--router', 'ws://127.0.0.1:1/ws']);
    // Running: its first line is logged once the daemon (and its signal handlers) exist; a busy machine takes a while.
    await waitFor('berth to start', () => berth.lines.length > 0, 30_000);
    await new Promise((r) => setTimeout(r, 500));
    const t0 = Date.now();
    berth.child.kill('SIGINT');
    expect(await berth.exited()).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5_000);
  });
});
