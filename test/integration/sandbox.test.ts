import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BerthProcess } from '../helpers/berth-process.js';
import { cleanDomain, containersOf, docker, makeImage, testDomain } from '../helpers/docker.js';
import { waitFor } from '../helpers/wait-for.js';
import { WampClient } from '../helpers/wamp-client.js';

const routerUrl = inject('routerUrl');
const D = testDomain('sbx');
const dir = mkdtempSync(join(tmpdir(), 'berth-sbx-'));
let berth: BerthProcess;
let client: WampClient;

/** The container's IP address on the domain's network. */
async function ipOf(domain: string, name: string): Promise<string> {
  return docker('inspect', '-f', `{{(index .NetworkSettings.Networks "berth-${domain}").IPAddress}}`, `${domain}.${name}`);
}

async function logsUntil(c: WampClient, proc: string, marker: string, timeoutMs = 30_000): Promise<string> {
  return waitFor(`"${marker}" in ${proc}`, async () => {
    const text = await c.call<string>(proc);
    return text.includes(marker) ? text : undefined;
  }, timeoutMs, 250);
}

const LISTENER = ['/bin/sh', '-c', 'trap "exit 0" TERM; while true; do nc -l -p 8080 -e echo hello-from-listener; done'];
const DIALER = ['/bin/sh', '-c', 'out=$(nc -w 3 "$TARGET" 8080 </dev/null); echo "dial rc=$? out=$out"; echo dial-done; trap "exit 0" TERM; while true; do sleep 1; done'];

describe('the secure environment', { timeout: 180_000 }, () => {
  beforeAll(async () => {
    await makeImage(D, 'bb');
    await makeImage(D, 'listener', { cmd: LISTENER });
    await makeImage(D, 'dialer', { cmd: DIALER });
    await makeImage(D, 'probe', {
      cmd: ['/bin/sh', '-c', [
        'id -u; id -g',
        'touch /x 2>/dev/null && echo root-writable || echo root-readonly',
        'touch /tmp/x && echo tmp-writable',
        'grep CapEff /proc/self/status',
        'grep NoNewPrivs /proc/self/status',
        'grep Seccomp: /proc/self/status',
        'ls /var/run/docker.sock /run/docker.sock 2>&1 | grep -c "No such file" | sed "s/^/missing-sockets=/"',
        'echo probe-done; trap "exit 0" TERM; while true; do sleep 1; done',
      ].join('; ')],
    });
    berth = await BerthProcess.start(['--router', routerUrl, '--domain', D]);
    client = await WampClient.connect(routerUrl);
  });

  afterAll(async () => {
    await client?.close();
    await berth?.stop();
    await cleanDomain(D);
    rmSync(dir, { recursive: true, force: true });
  });

  it('inspect() shows every default in force', async () => {
    await client.call(`${D}/create`, ['bb', 'plain']);
    const info = await client.call<{ config: any }>(`${D}/plain/inspect`);
    const cfg = info.config;
    expect(cfg.user).toBe('65534:65534');
    expect(cfg.resources).toEqual({ memory: 300 * 1024 ** 2, memorySwap: 300 * 1024 ** 2, cpus: 1, pids: 256, nofile: 1024 });
    expect(cfg.security).toMatchObject({
      privileged: false,
      readonlyRootfs: true,
      capDrop: ['ALL'],
      capAdd: [],
      securityOpt: ['no-new-privileges:true'],
      pidMode: 'private',
      ipcMode: 'private',
      mounts: [],
    });
    expect(cfg.security.tmpfs['/tmp']).toMatch(/size=67108864/);
    expect(cfg.restartPolicy).toBe('unless-stopped');
    expect(cfg.network).toBe(`berth-${D}`);
    expect(cfg.log).toEqual({ type: 'json-file', config: { 'max-size': String(10 * 1024 ** 2), 'max-file': '3' } });
    // The engine agrees, independently of berth.
    const host = JSON.parse(await docker('inspect', '-f', '{{json .HostConfig}}', `${D}.plain`));
    const networkId = await docker('network', 'inspect', '-f', '{{.Id}}', `berth-${D}`);
    expect(host).toMatchObject({ Privileged: false, ReadonlyRootfs: true, Memory: 300 * 1024 ** 2, MemorySwap: 300 * 1024 ** 2, PidsLimit: 256, NetworkMode: networkId });
    expect(host.Binds ?? []).toEqual([]);
    const net = JSON.parse(await docker('network', 'inspect', '-f', '{{json .}}', `berth-${D}`));
    expect(net.Options['com.docker.network.bridge.enable_icc']).toBe('false');
    expect(net.Labels['berth.domain']).toBe(D);
  });

  it('create(resources=…) may ask for less; over a cap is invalid_argument naming the cap, and nothing is made', async () => {
    const c = await client.call<{ name: string }>(`${D}/create`, ['bb', 'small'], { resources: { memory: '64m', cpus: 0.5, pids: 32 } });
    expect(c.name).toBe('small');
    const info = await client.call<{ config: { resources: object } }>(`${D}/small/inspect`);
    expect(info.config.resources).toMatchObject({ memory: 64 * 1024 ** 2, memorySwap: 64 * 1024 ** 2, cpus: 0.5, pids: 32 });
    for (const [resources, cap] of [[{ memory: '1g' }, 'sandbox.memory'], [{ cpus: 4 }, 'sandbox.cpus'], [{ pids: 100_000 }, 'sandbox.pids']] as const) {
      const err = await client.callError(`${D}/create`, ['bb', 'greedy'], { resources });
      expect(err.error).toBe('wamp.error.invalid_argument');
      expect(err.args[0]).toContain(cap);
      expect(err.kwargs).toMatchObject({ cap });
    }
    expect((await client.callError(`${D}/create`, ['bb', 'greedy'], { resources: { disk: '1g' } })).error).toBe('wamp.error.invalid_argument');
    expect((await containersOf(D)).map((x) => x.name)).not.toContain(`${D}.greedy`);
  });

  it('inside: non-root, read-only root, writable /tmp only, no capabilities, no-new-privileges, seccomp, no Docker socket', async () => {
    await client.call(`${D}/create`, ['probe', 'probe1']);
    const logs = await logsUntil(client, `${D}/probe1/logs`, 'probe-done');
    const lines = logs.trim().split('\n');
    expect(lines.slice(0, 2)).toEqual(['65534', '65534']);
    expect(logs).toContain('root-readonly');
    expect(logs).toContain('tmp-writable');
    expect(logs).toMatch(/CapEff:\s+0000000000000000/);
    expect(logs).toMatch(/NoNewPrivs:\s+1/);
    expect(logs).toMatch(/Seccomp:\s+2/); // filter mode: the engine's default profile
    expect(logs).toContain('missing-sockets=2');
  });

  it('a container cannot reach another container on the same domain network', async () => {
    await client.call(`${D}/create`, ['listener', 'lst']);
    const target = await ipOf(D, 'lst');
    expect(target).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    await client.call(`${D}/create`, ['dialer', 'dial', { TARGET: target }]);
    const logs = await logsUntil(client, `${D}/dial/logs`, 'dial-done');
    expect(logs).toContain('dial rc=1 out=');
    expect(logs).not.toContain('hello-from-listener');
  });

  it('with sandbox.isolate false the same dial gets through (the probe itself works)', async () => {
    const O = testDomain('sbxo');
    const config = join(dir, 'open.yaml');
    writeFileSync(config, 'sandbox:\n  isolate: false\n');
    try {
      await makeImage(O, 'listener', { cmd: LISTENER });
      await makeImage(O, 'dialer', { cmd: DIALER });
      await using _open = await BerthProcess.start(['--router', routerUrl, '--domain', O, '--config', config]);
      await client.call(`${O}/create`, ['listener', 'lst']);
      await client.call(`${O}/create`, ['dialer', 'dial', { TARGET: await ipOf(O, 'lst') }]);
      const logs = await logsUntil(client, `${O}/dial/logs`, 'dial-done');
      expect(logs).toContain('dial rc=0 out=hello-from-listener');
    } finally {
      await cleanDomain(O);
    }
  });

  it('a fork bomb hits the PID limit while berth and other containers keep serving', async () => {
    await makeImage(D, 'bomb', { cmd: ['/bin/sh', '-c', 'bomb() { bomb | bomb & }; bomb; sleep 1000'] });
    await client.call(`${D}/create`, ['bomb', 'bomb'], { resources: { pids: 32 } });
    await waitFor('the bomb to reach its limit', async () => {
      const top = await client.call<{ pids: number }>(`${D}/bomb/top`);
      return top.pids >= 28 ? top : undefined;
    }, 30_000, 250);
    const top = await client.call<{ pids: number }>(`${D}/bomb/top`);
    expect(top.pids).toBeLessThanOrEqual(32);
    const t0 = Date.now();
    expect((await client.call<unknown[]>(`${D}/list`)).length).toBeGreaterThan(1);
    expect(await client.call(`${D}/plain/top`)).toMatchObject({ pids: expect.any(Number) });
    expect(await client.call<string>(`${D}/probe1/logs`)).toContain('probe-done');
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(await client.call(`${D}/remove`, ['bomb'])).toEqual({ name: 'bomb', removed: true });
    expect(berth.child.exitCode).toBeNull();
  });

  it('a memory hog is killed at its memory limit; the container and berth keep running', async () => {
    await makeImage(D, 'hog', { cmd: ['/bin/sh', '-c', 'head -c 300m /dev/zero | tail; echo "hog exit=$?"; trap "exit 0" TERM; while true; do sleep 1; done'] });
    await client.call(`${D}/create`, ['hog', 'hog'], { resources: { memory: '32m' } });
    const logs = await logsUntil(client, `${D}/hog/logs`, 'hog exit=');
    expect(logs).toContain('hog exit=137'); // SIGKILL from the kernel's OOM killer inside the container's cgroup
    const top = await client.call<{ memoryLimit: number; memoryUsage: number }>(`${D}/hog/top`);
    expect(top.memoryLimit).toBe(32 * 1024 ** 2);
    expect(top.memoryUsage).toBeLessThanOrEqual(32 * 1024 ** 2);
    const events = await docker('events', '--since', '5m', '--until', '0s', '--filter', `container=${D}.hog`, '--filter', 'event=oom', '--format', '{{.Action}}');
    expect(events).toContain('oom');
    expect(await client.call(`${D}/plain/inspect`)).toMatchObject({ state: 'running' });
    expect(berth.child.exitCode).toBeNull();
  });

  it('a container stopped through stop() stays stopped (restart policy unless-stopped)', async () => {
    await client.call(`${D}/plain/stop`);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await client.call(`${D}/plain/inspect`)).toMatchObject({ state: 'exited' });
  });
});
