import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthCli } from '../helpers/berth-cli.js';
import { BerthProcess } from '../helpers/berth-process.js';
import { writeConfig } from '../helpers/build-helpers.js';
import { BUSYBOX_IMAGE, testDomain } from '../helpers/docker.js';
import { GitServer } from '../helpers/git-server.js';
import { SwarmCluster } from '../helpers/swarm-cluster.js';
import { freePort, waitFor } from '../helpers/wait-for.js';
import { WampClient, type WampFailure } from '../helpers/wamp-client.js';

/**
 * The swarm engine: berth with `--engine swarm` on a real three-node Docker Swarm on this machine (test/helpers/swarm-cluster.ts:
 * one dockerd per network namespace, Debian's docker-registry on the bridge). The manager is drained, so every task
 * runs on a worker. berth embeds its router on the bridge address, where containers on every node reach it.
 */
const D = testDomain('swarm');
const dir = mkdtempSync(join(tmpdir(), 'berth-swarm-'));
const HELLO_RUN = `Base: exis-python\nCommand: [python3, -m, backend]\n`;
let cluster: SwarmCluster;
let git: GitServer;
let berth: BerthProcess;
let client: WampClient;
let args: string[];
let url: string;

/** Prints every UDP datagram that reaches port 9999. */
const UDP_LISTENER = "import socket; s = socket.socket(2, 2); s.bind(('0.0.0.0', 9999)); [print('got', s.recv(4096), flush=True) for _ in iter(int, 1)]";

/** A VXLAN datagram (RFC 7348) carrying an Ethernet frame with an IPv4/UDP packet to `ip:port` on the overlay `vni`. */
function vxlanFrame(vni: number, mac: string, ip: string, port: number, payload: Buffer): Buffer {
  const dst = ip.split('.').map(Number);
  const src = [...dst.slice(0, 3), 250]; // an address of that overlay's subnet (passes the container's reverse-path check)
  const udp = Buffer.alloc(8 + payload.length);
  udp.writeUInt16BE(40000, 0);
  udp.writeUInt16BE(port, 2);
  udp.writeUInt16BE(udp.length, 4);
  payload.copy(udp, 8);
  const iph = Buffer.from([0x45, 0, 0, 0, 0, 1, 0, 0, 64, 17, 0, 0, ...src, ...dst]);
  iph.writeUInt16BE(20 + udp.length, 2);
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += iph.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
  iph.writeUInt16BE(~sum & 0xffff, 10);
  const eth = Buffer.concat([Buffer.from(mac.replace(/:/g, ''), 'hex'), Buffer.from('02420a0000fa', 'hex'), Buffer.from([0x08, 0x00])]);
  const vx = Buffer.alloc(8);
  vx.writeUInt32BE(0x08000000, 0);
  vx.writeUInt32BE(vni << 8, 4);
  return Buffer.concat([vx, eth, iph, udp]);
}

type Dict = Record<string, unknown> & { name: string; state: string; id: string; node?: string | null };

const hello = (name: string, timeoutMs = 90_000) =>
  waitFor(`${D}.${name}/hello to answer`, () => client.call<string>(`${D}.${name}/hello`, ['bob']).catch(() => undefined), timeoutMs, 250);
const manager = (...a: string[]) => cluster.docker(0, ...a);
/** The service of container `name`, found as berth finds it: by its labels. */
async function serviceJson(name: string) {
  const id = await manager('service', 'ls', '-q', '--filter', `label=berth.domain=${D}`, '--filter', `label=berth.name=${name}`);
  return JSON.parse(await manager('service', 'inspect', id)) as [{ ID: string; Spec: Record<string, any> }];
}
const nodeIndex = (hostname: string) => cluster.nodes.findIndex((n) => n.name === hostname);
const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: WampFailure) => e);

async function startBerth(): Promise<BerthProcess> {
  return BerthProcess.start(args, { timeoutMs: 120_000 });
}

describe('berth on a Docker Swarm', { timeout: 600_000 }, () => {
  beforeAll(async () => {
    // The nodes' daemons as Docker installs them (--icc=true): isolation must come from berth's own networks.
    cluster = await SwarmCluster.start({ nodes: 3, icc: true });
    // Tasks run on the workers only, as on a swarm whose manager serves no workload.
    await manager('node', 'update', '--availability', 'drain', cluster.manager.name);
    // Swarm keeps no ended tasks: a stopped service soon has none at all (as any swarm's does after a while), which once
    // made berth take it for a never-started create and remove it at restart.
    await manager('swarm', 'update', '--task-history-limit', '0');
    // The README's rule: the swarm's own ports closed to tasks (berth checks it at start).
    await cluster.closeSwarmPortsToTasks();
    const probe = await cluster.seedImage(BUSYBOX_IMAGE, 'berth-test/busybox');
    // The bases are on the manager's engine, where berth builds.
    await cluster.seedImage('berth/exis-python:1', 'berth-test/exis-python');
    git = await GitServer.start();
    git.addFixture('hello-backend');
    git.addRepo('ticker', { 'Run.yaml': `Base: busybox\nCommand: 'trap "exit 0" TERM; while true; do echo tick; sleep 1; done'\n` });
    git.addRepo('udp', { 'Run.yaml': `Base: exis-python\nCommand: [python3, -u, -c, "${UDP_LISTENER}"]\n` });
    git.addRepo('volumes', { 'Run.yaml': `Base: busybox\nCommand: [sleep, '3600']\nVolumes: [/data]\n` });
    const port = await freePort();
    url = `ws://${cluster.bridgeAddress}:${port}/ws`;
    const config = writeConfig(dir, {
      build: { allowPrivateHosts: true },
      bases: { busybox: BUSYBOX_IMAGE },
      swarm: { probeImage: probe, nodes: Object.fromEntries(cluster.nodes.map((n) => [n.name, n.socket])) },
    });
    args = ['--engine', 'swarm', '--docker-host', cluster.manager.socket, '--registry', cluster.registry, '--listen', `${cluster.bridgeAddress}:${port}`,
      '--container-router-url', url, '--domain', D, '--config', config];
    berth = await startBerth();
    client = await WampClient.connect(url);
  });

  afterAll(async () => {
    await client?.close();
    await berth?.stop();
    await git?.[Symbol.asyncDispose]();
    await cluster?.[Symbol.asyncDispose]();
    rmSync(dir, { recursive: true, force: true });
  });

  it('at start berth checked every ready node for no-new-privileges and closed swarm ports (the drained manager is skipped)', () => {
    const line = berth.lines.find((l) => l.msg === "swarm nodes enforce no-new-privileges; their tasks reach none of the swarm's ports");
    expect([...((line?.nodes as string[]) ?? [])].sort()).toEqual(cluster.nodes.slice(1).map((n) => n.name).sort());
  });

  it('the check left nothing: no job service, no network of its own', async () => {
    expect(await manager('service', 'ls', '-q', '--filter', 'label=berth.probe')).toBe('');
    expect(await manager('network', 'ls', '-q', '--filter', 'label=berth.probe')).toBe('');
  });

  it('build pushes the image to the registry; images() gives the digest reference the services use', async () => {
    await client.call(`${D}/build`, ['hello', git.url('hello-backend')]);
    const [image] = await client.call<{ name: string; registry: string | null }[]>(`${D}/images`);
    expect(image!.registry).toMatch(new RegExp(`^${cluster.registry.replace(/\./g, '\\.')}/berth/${D.replace(/\./g, '\\.')}/hello@sha256:[0-9a-f]{64}$`));
  });

  it('create: a one-replica service on a worker, on an overlay network of its own, by digest; it joins the router', async () => {
    const c = await client.call<Dict>(`${D}/create`, ['hello', 'hb1']);
    expect(c).toMatchObject({ name: 'hb1', state: 'running', domain: `${D}.hb1` });
    const workers = cluster.nodes.slice(1).map((n) => n.name);
    expect(workers).toContain(c.node);
    const [svc] = await serviceJson('hb1');
    expect(svc.ID).toBe(c.id);
    expect(svc.Spec.Labels).toMatchObject({ 'berth.domain': D, 'berth.name': 'hb1', 'berth.image': 'hello' });
    expect(svc.Spec.TaskTemplate.ContainerSpec.Image).toMatch(/@sha256:[0-9a-f]{64}$/);
    expect(svc.Spec.TaskTemplate.ContainerSpec).toMatchObject({ ReadOnly: true, CapabilityDrop: ['ALL'] });
    expect(svc.Spec.Name).toMatch(/^[a-z0-9_-]+$/); // a DNS label: Swarm takes no dots
    const [net] = JSON.parse(await manager('network', 'inspect', svc.Spec.Name)) as [{ Driver: string; Id: string }];
    expect(net.Driver).toBe('overlay');
    expect(svc.Spec.TaskTemplate.Networks).toEqual([{ Target: net.Id }]);
    expect(await hello('hb1')).toBe(`hello bob from ${D}.hb1`);
  });

  it('list and inspect say which node runs it; logs, top (from the node\'s own engine)', async () => {
    const [listed] = await client.call<Dict[]>(`${D}/list`);
    expect(listed).toMatchObject({ name: 'hb1', state: 'running' });
    const details = await client.call<Dict & { swarm: { service: string; task: string; node: string; container: string } }>(`${D}/hb1/inspect`);
    expect(details.swarm).toMatchObject({ service: (await serviceJson('hb1'))[0].Spec.Name, node: listed!.node });
    // The node's engine runs that very container, with the sandbox Swarm cannot set: no-new-privileges from the daemon.
    const status = await cluster.docker(nodeIndex(details.swarm.node), 'exec', details.swarm.container, 'cat', '/proc/1/status');
    expect(status).toMatch(/^NoNewPrivs:\s*1$/m);
    expect(await client.call<string>(`${D}/hb1/logs`)).toContain(`registered ${D}.hb1/hello`);
    const top = await client.call<{ pids: number; processes: Record<string, string>[] }>(`${D}/hb1/top`);
    expect(top.processes.some((p) => Object.values(p).some((v) => v.includes('python3')))).toBe(true);
    // berth ps, as a person reads it: a NODE column.
    const ps = await BerthCli.run(['ps', '--router', url, '--domain', D]);
    expect(ps.code, ps.stderr).toBe(0);
    const [header, row] = ps.stdout.split('\n');
    expect(header).toMatch(/^NAME\s+IMAGE\s+STATE\s+STATUS\s+NODE\s+CREATED/);
    expect(row).toContain(String(listed!.node));
  });

  it('stop scales to 0, start to 1, restart runs a new task', async () => {
    expect(await client.call<Dict>(`${D}/hb1/stop`)).toMatchObject({ state: 'exited' });
    expect(await manager('service', 'ls', '--filter', `id=${(await serviceJson('hb1'))[0].ID}`, '--format', '{{.Replicas}}')).toBe('0/0');
    await waitFor('the procedure to go away', async () => !(await client.isRegistered(`${D}.hb1/hello`)), 30_000);
    expect(await client.call<Dict>(`${D}/hb1/start`)).toMatchObject({ state: 'running' });
    expect(await hello('hb1')).toBe(`hello bob from ${D}.hb1`);
    const before = (await client.call<{ swarm: { task: string } }>(`${D}/hb1/inspect`)).swarm.task;
    expect(await client.call<Dict>(`${D}/hb1/restart`)).toMatchObject({ state: 'running' });
    const after = (await client.call<{ swarm: { task: string } }>(`${D}/hb1/inspect`)).swarm.task;
    expect(after).not.toBe(before);
    expect(await hello('hb1')).toBe(`hello bob from ${D}.hb1`);
  });

  it('isolation: a container reaches the router, but no other container, on its node or another', async () => {
    await client.call(`${D}/build`, ['ticker', git.url('ticker')]);
    for (const n of ['t1', 't2', 't3']) await client.call(`${D}/create`, ['ticker', n]);
    const placed = await Promise.all(['t1', 't2', 't3'].map((n) => client.call<{ swarm: { node: string; container: string } }>(`${D}/${n}/inspect`)));
    // Two of three on two workers share a node.
    expect(new Set(placed.map((p) => p.swarm.node)).size).toBeLessThan(3);
    const addresses = async (p: { swarm: { node: string; container: string } }) =>
      (await cluster.docker(nodeIndex(p.swarm.node), 'inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}', p.swarm.container)).split(' ').filter(Boolean);
    const from = placed[0]!;
    const probe = (target: string) =>
      cluster
        .docker(nodeIndex(from.swarm.node), 'exec', from.swarm.container, 'sh', '-c', `nc -w 2 ${target} 9 </dev/null 2>&1; echo "exit $?"`)
        .catch((e: Error) => e.message);
    // The probe tells a reachable address: its own, where nothing listens on port 9, refuses at once.
    for (const own of await addresses(from)) expect(await probe(own), `t1 → its own ${own}`).toMatch(/refused/i);
    expect((await addresses(from)).length).toBeGreaterThan(0);
    for (const other of placed.slice(1)) {
      for (const ip of await addresses(other)) {
        // busybox nc: "connection refused" would mean the packet got there; a timeout or unreachable means it did not.
        const out = await probe(ip);
        expect(out, `t1 → ${ip}`).not.toMatch(/refused/i);
        expect(out).toMatch(/exit 1|timed out|unreachable|No route/i);
      }
    }
    // The router answers an HTTP request on its port (it wants a WebSocket upgrade): the way to it is open.
    const port = new URL(url).port;
    const answer = await cluster.docker(nodeIndex(from.swarm.node), 'exec', from.swarm.container, 'sh', '-c', `printf 'GET /ws HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${cluster.bridgeAddress} ${port}`);
    expect(answer).toMatch(/^HTTP\/1\.[01] \d{3}/);
  });

  it('VXLAN: with the swarm ports closed to tasks (as berth checked at start) a container cannot send frames into another\'s overlay; opened, it can', async () => {
    // berth's overlays keep containers apart at the IP level, but a task's traffic leaves through its node's NAT and so
    // reaches every node's VXLAN port unless the rule berth checks at start closes it: a frame with another overlay's
    // VNI, MAC and address is then delivered there. Two listeners (Swarm spreads them over the two workers) and hb1 as
    // the sender: one path to its own node (INPUT), one to the other node (FORWARD).
    await client.call(`${D}/build`, ['udp', git.url('udp')]);
    const names = ['u1', 'u2'];
    for (const n of names) await client.call(`${D}/create`, ['udp', n]);
    type Placed = { swarm: { service: string; node: string; container: string } };
    const [u1, u2, hb1] = await Promise.all([...names, 'hb1'].map((n) => client.call<Placed>(`${D}/${n}/inspect`)));
    expect(new Set([u1!.swarm.node, u2!.swarm.node]).size, 'one listener on each worker').toBe(2);
    const py = (p: Placed, code: string) => cluster.docker(nodeIndex(p.swarm.node), 'exec', p.swarm.container, 'python3', '-c', code);
    const send = (from: Placed, bytes: Buffer, host: string, port: number) =>
      py(from, `import socket; socket.socket(2, 2).sendto(bytes.fromhex('${bytes.toString('hex')}'), ('${host}', ${port}))`);
    const logs = (name: string) => client.call<string>(`${D}/${name}/logs`);
    const targets = await Promise.all([u1!, u2!].map(async (u) => {
      const [net] = JSON.parse(await manager('network', 'inspect', u.swarm.service)) as [{ Options: Record<string, string> }];
      const [c] = JSON.parse(await cluster.docker(nodeIndex(u.swarm.node), 'inspect', u.swarm.container)) as [{ NetworkSettings: { Networks: Record<string, { IPAddress: string; MacAddress: string }> } }];
      const ep = c.NetworkSettings.Networks[u.swarm.service]!;
      const vni = Number(net.Options['com.docker.network.driver.overlay.vxlanid_list']);
      return { u, node: cluster.nodes[nodeIndex(u.swarm.node)]!.address, vni, mac: ep.MacAddress, ip: ep.IPAddress };
    }));
    const inject = async (marker: string) => {
      for (const t of targets) await send(hb1!, vxlanFrame(t.vni, t.mac, t.ip, 9999, Buffer.from(marker)), t.node, 4789);
    };
    /** A datagram each listener sends itself, after an injection: once it is printed, the injection would have been. */
    const mark = async (tag: string) => {
      for (const [i, t] of targets.entries()) {
        await send(t.u, Buffer.from(`${tag}-${i}`), '127.0.0.1', 9999);
        await waitFor(`u${i + 1} to print ${tag}-${i}`, async () => (await logs(names[i]!)).includes(`${tag}-${i}`), 30_000);
      }
    };
    await mark('control');
    await inject('injected-closed');
    await mark('after');
    for (const name of names) expect(await logs(name)).not.toContain('injected-closed');
    // Without the rule (Docker's default), the same frames arrive.
    await cluster.openSwarmPortsToTasks();
    try {
      await inject('injected-open');
      for (const name of names) await waitFor(`${name} to get the injected frame`, async () => (await logs(name)).includes('injected-open'), 30_000);
    } finally {
      await cluster.closeSwarmPortsToTasks();
    }
    // The way to the router stays open (only the swarm's ports are closed).
    expect(await hello('hb1')).toBe(`hello bob from ${D}.hb1`);
    for (const n of names) await client.call(`${D}/remove`, [n]);
  });

  it('D/events and D/<name>/logs follow the swarm: created, started, stopped, removed; lines live, across a restart', async () => {
    const events: { event: string; name: string; container?: Dict }[] = [];
    const sub = await client.session.subscribe(`${D}/events`, (a?: unknown[]) => void events.push(a![0] as never));
    const lines: { line: string }[] = [];
    const logs = await client.session.subscribe(`${D}/ev1/logs`, (a?: unknown[]) => void lines.push(a![0] as never));
    try {
      await client.call(`${D}/create`, ['ticker', 'ev1']);
      await waitFor('a line on the logs topic', () => lines.some((l) => l.line === 'tick'), 30_000);
      await client.call(`${D}/ev1/restart`);
      const told = lines.length;
      await waitFor('lines after the restart', () => lines.length > told + 1, 30_000);
      await client.call(`${D}/ev1/stop`);
      await client.call(`${D}/remove`, ['ev1']);
      const mine = () => events.filter((e) => e.name === 'ev1').map((e) => e.event);
      await waitFor(() => `created … removed, got ${mine().join(',')}`, () => mine().includes('removed'), 30_000);
      const seen = mine();
      const order = ['created', 'started', 'died', 'started', 'stopped', 'removed'];
      let at = -1;
      for (const e of order) {
        at = seen.indexOf(e, at + 1);
        expect(at, `${e} in order in ${seen.join(',')}`).toBeGreaterThanOrEqual(0);
      }
      expect(events.find((e) => e.name === 'ev1' && e.event === 'started')?.container?.node).toMatch(/^bsw/);
    } finally {
      await client.session.unsubscribe(sub);
      await client.session.unsubscribe(logs);
    }
  });

  it('exec runs in the task\'s container through its node\'s engine, with the sandbox', async () => {
    const r = await client.call<{ exitCode: number; output: string }>(`${D}/t1/exec`, [['cat', '/proc/self/status']]);
    expect(r.exitCode).toBe(0);
    expect(r.output).toMatch(/^NoNewPrivs:\s*1$/m);
    expect(r.output).toMatch(/^CapEff:\s*0+$/m);
    expect(r.output).toMatch(/^Uid:\s*65534\b/m);
  });

  it('what Swarm cannot do is refused with berth.error.not_supported, and nothing is made', async () => {
    await client.call(`${D}/build`, ['vol', git.url('volumes')]);
    const refused = await failure(client.call(`${D}/create`, ['vol', 'v1']));
    expect(refused?.error).toBe('berth.error.not_supported');
    expect(await manager('service', 'ls', '--filter', `label=berth.name=v1`, '-q')).toBe('');
    expect(await manager('network', 'ls', '--filter', `label=berth.name=v1`, '-q')).toBe('');
  });

  it('updateImage with containers: Swarm\'s rolling update, start-first; the service keeps its ID and answers again', async () => {
    const old = await client.call<Dict>(`${D}/hb1/inspect`);
    git.commit('hello-backend', { 'Run.yaml': `${HELLO_RUN}Env: {RELEASE: '2'}\n` });
    await client.call(`${D}/updateImage`, ['hello'], { updateContainers: true });
    const now = await client.call<Dict & { config: { environment: Record<string, string> } }>(`${D}/hb1/inspect`);
    expect(now.id).toBe(old.id);
    expect(now.config.environment.RELEASE).toBe('2');
    expect(now.state).toBe('running');
    expect(await hello('hb1')).toBe(`hello bob from ${D}.hb1`);
  });

  it('a node fails: Swarm runs the task on the other worker, and the container serves again by itself', async () => {
    const was = (await client.call<Dict>(`${D}/hb1/inspect`)).node!;
    const i = nodeIndex(was);
    await cluster.stopNode(i, { signal: 'SIGKILL' });
    try {
      const moved = await waitFor('hb1 to run on another node', async () => {
        const [c] = (await client.call<Dict[]>(`${D}/list`)).filter((x) => x.name === 'hb1');
        return c?.state === 'running' && c.node !== was ? c : undefined;
      }, 120_000, 500);
      expect(cluster.nodes.slice(1).map((n) => n.name)).toContain(moved.node);
      expect(await hello('hb1')).toBe(`hello bob from ${D}.hb1`);
    } finally {
      await cluster.startNode(i);
      await cluster.waitForNodes('Ready', [i], 60_000);
    }
  });

  it('berth killed: started again, it resumes from the swarm\'s state alone', async () => {
    // A stopped container whose tasks Swarm has deleted (no task history here) is stopped, not a half-made create.
    expect(await client.call<Dict>(`${D}/t3/stop`)).toMatchObject({ state: 'exited' });
    const t3 = (await serviceJson('t3'))[0].ID;
    await waitFor('Swarm to delete t3\'s tasks', async () => (await manager('service', 'ps', '-q', t3)) === '', 60_000, 500);
    const before = (await client.call<Dict[]>(`${D}/list`)).map((c) => ({ name: c.name, id: c.id }));
    berth.child.kill('SIGKILL');
    await berth.exited();
    await client.close();
    berth = await startBerth();
    client = await WampClient.connect(url);
    expect((await client.call<Dict[]>(`${D}/list`)).map((c) => ({ name: c.name, id: c.id }))).toEqual(before);
    expect((await client.call<Dict[]>(`${D}/list`)).find((c) => c.name === 't3')).toMatchObject({ state: 'exited' });
    // The containers lost the router with the old berth; they join the new one by themselves.
    expect(await hello('hb1')).toBe(`hello bob from ${D}.hb1`);
  });

  it('a removed name is free at once: create → remove → create of one name, two names side by side, every create succeeds', async () => {
    const failures: string[] = [];
    await Promise.all(
      ['re1', 're2'].map(async (name) => {
        for (let i = 0; i < 4; i++) {
          try {
            await client.call(`${D}/create`, ['ticker', name]);
            await client.call(`${D}/remove`, [name]);
          } catch (err) {
            failures.push(`${name} cycle ${i}: ${(err as WampFailure).error ?? String(err)}`);
          }
        }
      }),
    );
    expect(failures).toEqual([]);
  });

  it('remove takes the service and its network; removeImage takes the registry copies', async () => {
    for (const n of ['hb1', 't1', 't2', 't3']) await client.call(`${D}/remove`, [n]);
    expect(await manager('service', 'ls', '--filter', `label=berth.domain=${D}`, '-q')).toBe('');
    await waitFor('the networks to go', async () => (await manager('network', 'ls', '--filter', `label=berth.domain=${D}`, '--filter', 'driver=overlay', '-q')) === '', 30_000);
    const [image] = (await client.call<{ name: string; registry: string }[]>(`${D}/images`)).filter((i) => i.name === 'hello');
    const [repo, digest] = image!.registry.split('@') as [string, string];
    const path = repo.slice(cluster.registry.length + 1);
    const removed = await client.call<{ registry: { removed: boolean; error?: string } }>(`${D}/removeImage`, ['hello']);
    expect(removed.registry, JSON.stringify(removed)).toMatchObject({ removed: true });
    const res = await fetch(`http://${cluster.registry}/v2/${path}/manifests/${digest}`, { headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' } });
    expect(res.status).toBe(404);
  });
});
