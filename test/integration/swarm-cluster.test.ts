import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUSYBOX_IMAGE } from '../helpers/docker.js';
import { mountsUnder, SwarmCluster, sweepSwarmClusters } from '../helpers/swarm-cluster.js';
import { waitFor } from '../helpers/wait-for.js';

const run = promisify(execFile);

// A static page server that stops at once (pid 1 ignores SIGTERM): `hostname` answers GET /.
const HTTPD = ['sh', '-c', 'mkdir -p /tmp/w && hostname > /tmp/w/index.html && exec httpd -f -p 8080 -h /tmp/w'];
const FAST = ['--stop-grace-period', '1s', '--restart-delay', '0s'];

// The swarm harness: the facts the berth swarm tests rely on, checked on the real harness (one manager, two workers).
describe('SwarmCluster: a real multi-node swarm on one machine', { timeout: 300_000 }, () => {
  let cluster: SwarmCluster;
  let image = '';

  beforeAll(async () => {
    const t0 = Date.now();
    cluster = await SwarmCluster.start();
    console.log(`swarm cluster ${cluster.id} started in ${Date.now() - t0} ms`);
  }, 180_000);
  afterAll(async () => {
    await cluster?.[Symbol.asyncDispose]();
  });

  /** The running task's container of `service`: node index and container id (waits until there is one). */
  async function taskOf(service: string, timeoutMs = 60_000): Promise<{ node: number; container: string; state: string }> {
    let last = '';
    return waitFor(() => `a running task of ${service}: ${last}`, async () => {
      last = await cluster.docker(0, 'service', 'ps', service, '--no-trunc', '--filter', 'desired-state=running', '--format', '{{.ID}} {{.Node}} {{.CurrentState}} {{.Error}}');
      for (const line of last.split('\n').filter(Boolean)) {
        const [task, nodeName, state] = line.split(' ') as [string, string, string];
        if (state !== 'Running') continue;
        const node = cluster.nodes.findIndex((n) => n.name === nodeName);
        const container = await cluster.docker(node, 'ps', '-q', '--filter', `label=com.docker.swarm.task.id=${task}`);
        if (container) return { node, container, state };
      }
      return undefined;
    }, timeoutMs, 250);
  }

  async function runningTasks(service: string): Promise<string[]> {
    const out = await cluster.docker(0, 'service', 'ps', service, '--filter', 'desired-state=running', '--format', '{{.Node}} {{.CurrentState}}');
    return out.split('\n').filter((l) => / Running /.test(`${l} `)).map((l) => l.split(' ')[0]!);
  }

  /** TCP from inside a container: send an HTTP GET with busybox nc; the reply, or null when no connection was made. */
  async function probe(node: number, container: string, host: string, port: number): Promise<string | null> {
    // busybox wget segfaults in this static build; nc works.
    const script = `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${host} ${port}`;
    return cluster.docker(node, 'exec', container, 'sh', '-c', script).then((out) => out, () => null);
  }

  it('1: three nodes are Ready, one manager and two workers, with distinct hostnames', async () => {
    const out = await cluster.docker(0, 'node', 'ls', '--format', '{{.Hostname}} {{.Status}} {{.ManagerStatus}}');
    const rows = out.split('\n').map((l) => l.split(' '));
    expect(rows.map((r) => r[0]).sort()).toEqual(cluster.nodes.map((n) => n.name).sort());
    expect(rows.every((r) => r[1] === 'Ready')).toBe(true);
    expect(rows.filter((r) => r[2] === 'Leader').map((r) => r[0])).toEqual([cluster.manager.name]);
    for (const n of cluster.nodes) {
      expect(await cluster.docker(n.index, 'info', '--format', '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}} {{.Name}}')).toBe(`active ${n.role === 'manager'} ${n.name}`);
    }
    // berth's swarm.nodes: every hostname Swarm reports maps to the engine that answers as that node.
    for (const [name, socket] of Object.entries(cluster.nodeEngines)) {
      const { stdout } = await run('docker', ['-H', socket, 'info', '--format', '{{.Name}} {{.Swarm.NodeID}}']);
      expect(stdout.trim()).toBe(`${name} ${cluster.nodes.find((n) => n.name === name)!.nodeId}`);
    }
  });

  it('2: the seeded image is in the registry; a 3-replica service of it runs a task on each node, pulled by digest', async () => {
    image = await cluster.seedImage(BUSYBOX_IMAGE, 'berth-test/busybox');
    expect(image).toMatch(new RegExp(`^${cluster.registry.replace(/\./g, '\\.')}/berth-test/busybox@sha256:[0-9a-f]{64}$`));
    const digest = image.split('@')[1]!;
    const head = await fetch(`http://${cluster.registry}/v2/berth-test/busybox/manifests/latest`, { method: 'HEAD', headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' } });
    expect(head.headers.get('docker-content-digest')).toBe(digest);

    await cluster.docker(0, 'service', 'create', '-d', '-q', '--name', 'spread', '--replicas', '3', '--replicas-max-per-node', '1', ...FAST, image);
    await waitFor('3 running tasks of spread', async () => (await runningTasks('spread')).length === 3, 90_000, 250);
    expect((await runningTasks('spread')).sort()).toEqual(cluster.nodes.map((n) => n.name).sort());
    expect(await cluster.docker(0, 'service', 'inspect', 'spread', '--format', '{{.Spec.TaskTemplate.ContainerSpec.Image}}')).toBe(image);
    for (const n of cluster.nodes) {
      const id = await cluster.docker(n.index, 'ps', '-q', '--filter', 'label=com.docker.swarm.service.name=spread');
      expect(await cluster.docker(n.index, 'inspect', id, '--format', '{{.Config.Image}}')).toBe(image);
      expect(await cluster.docker(n.index, 'image', 'inspect', image, '--format', '{{json .RepoDigests}}')).toContain(digest);
    }
    await cluster.docker(0, 'service', 'rm', 'spread');
  });

  it('3: tasks on different nodes reach each other over an overlay network (dnsrr: this kernel has no IPVS)', async () => {
    const [w1, w2] = [cluster.nodes[1]!, cluster.nodes[2]!];
    await cluster.docker(0, 'network', 'create', '-d', 'overlay', 'ov');
    await cluster.docker(0, 'service', 'create', '-d', '-q', '--name', 'osrv', '--network', 'ov', '--endpoint-mode', 'dnsrr',
      '--constraint', `node.hostname==${w1.name}`, ...FAST, image, ...HTTPD);
    await cluster.docker(0, 'service', 'create', '-d', '-q', '--name', 'ocli', '--network', 'ov', '--endpoint-mode', 'dnsrr',
      '--constraint', `node.hostname==${w2.name}`, ...FAST, image);
    const srv = await taskOf('osrv');
    const cli = await taskOf('ocli');
    expect([srv.node, cli.node]).toEqual([1, 2]);
    const srvIp = await cluster.docker(1, 'inspect', srv.container, '--format', '{{(index .NetworkSettings.Networks "ov").IPAddress}}');
    expect(srvIp).toMatch(/^10\.233\./);
    // By the task's overlay address and by Swarm's DNS name; the reply is the server container's hostname.
    const byIp = await waitFor('ocli to reach osrv by IP', () => probe(2, cli.container, srvIp, 8080), 30_000, 500);
    expect(byIp).toContain(srv.container.slice(0, 12));
    expect(await probe(2, cli.container, 'osrv', 8080)).toContain(srv.container.slice(0, 12));
    const ping = await cluster.docker(2, 'exec', cli.container, 'ping', '-c', '2', '-W', '2', srvIp);
    expect(ping).toContain('2 packets received');
    await cluster.docker(0, 'service', 'rm', 'osrv', 'ocli');
  });

  it('4: a task on no network is on its node\'s default bridge (ICC off): no path to a task on the same node, a path to the host\'s bridge address only', async () => {
    const w = cluster.nodes[1]!;
    await cluster.docker(0, 'service', 'create', '-d', '-q', '--name', 'iso-a', '--constraint', `node.hostname==${w.name}`, ...FAST, image, ...HTTPD);
    await cluster.docker(0, 'service', 'create', '-d', '-q', '--name', 'iso-b', '--constraint', `node.hostname==${w.name}`, ...FAST, image);
    const a = await taskOf('iso-a');
    const b = await taskOf('iso-b');
    expect([a.node, b.node]).toEqual([1, 1]);
    // Swarm puts a task with no network on the node's `bridge` (docker0 of its namespace), not on docker_gwbridge.
    for (const t of [a, b]) {
      expect(Object.keys(JSON.parse(await cluster.docker(1, 'inspect', t.container, '--format', '{{json .NetworkSettings.Networks}}')))).toEqual(['bridge']);
    }
    expect(await cluster.docker(1, 'network', 'inspect', 'bridge', '--format', '{{index .Options "com.docker.network.bridge.enable_icc"}}')).toBe('false');
    const aIp = await cluster.docker(1, 'inspect', a.container, '--format', '{{.NetworkSettings.Networks.bridge.IPAddress}}');
    // The server answers (from itself), so a failure from b is isolation, not a dead server.
    expect(await waitFor('iso-a to serve itself', () => probe(1, a.container, aIp, 8080), 30_000, 500)).toContain(a.container.slice(0, 12));
    expect(await probe(1, b.container, aIp, 8080)).toBeNull();

    const seen: string[] = [];
    const onBridge = await listen(cluster.bridgeAddress, (remote) => seen.push(remote));
    const onLoopback = await listen('127.0.0.1', () => seen.push('loopback'));
    try {
      const bridgePort = (onBridge.address() as { port: number }).port;
      const loopPort = (onLoopback.address() as { port: number }).port;
      expect(await probe(1, b.container, cluster.bridgeAddress, bridgePort)).toContain('host-ok');
      // The connection comes from the node's address (the node masquerades its bridge).
      expect(seen).toEqual([w.address]);
      // The host's loopback is not the container's: 127.0.0.1 is the container itself, and a loopback-only listener is
      // not on the bridge address.
      expect(await probe(1, b.container, '127.0.0.1', loopPort)).toBeNull();
      expect(await probe(1, b.container, cluster.bridgeAddress, loopPort)).toBeNull();
      expect(seen).toEqual([w.address]);
    } finally {
      onBridge.close();
      onLoopback.close();
    }
    await cluster.docker(0, 'service', 'rm', 'iso-a', 'iso-b');
  });

  it('4b: a task reaches whatever its node reaches: the registry (no auth by default) and the other nodes\' swarm ports', async () => {
    // Not isolation berth can rely on: a container's traffic leaves through its node's NAT, so the registry needs auth
    // (registryAuth) and the swarm control/data ports are open to every task.
    await cluster.docker(0, 'service', 'create', '-d', '-q', '--name', 'reach', '--constraint', `node.hostname==${cluster.nodes[1]!.name}`, ...FAST, image);
    const t = await taskOf('reach');
    const [host, port] = cluster.registry.split(':') as [string, string];
    expect(await probe(1, t.container, host, Number(port))).toMatch(/^HTTP\/1\.[01] 200/);
    expect(await probe(1, t.container, cluster.manager.address, 2377)).not.toBeNull();
    await cluster.docker(0, 'service', 'rm', 'reach');
  });

  it('5: a worker whose dockerd stops is marked Down and its task is rescheduled on the other worker', async () => {
    await cluster.docker(0, 'service', 'create', '-d', '-q', '--name', 'mover', '--constraint', 'node.role==worker', ...FAST, image);
    const first = await taskOf('mover');
    const other = first.node === 1 ? 2 : 1;
    const t0 = Date.now();
    await cluster.stopNode(first.node);
    const stopped = Date.now() - t0;
    await cluster.waitForNodes('Down', [first.node], 60_000);
    const down = Date.now() - t0;
    const moved = await taskOf('mover', 90_000);
    const rescheduled = Date.now() - t0;
    expect(moved.node).toBe(other);
    console.log(`worker ${first.node}: dockerd stopped in ${stopped} ms, Down after ${down} ms, task running on worker ${other} after ${rescheduled} ms`);

    const t1 = Date.now();
    await cluster.startNode(first.node);
    await cluster.waitForNodes('Ready', undefined, 60_000);
    console.log(`worker ${first.node}: started again and Ready after ${Date.now() - t1} ms`);
    // The restarted node does not take the task back (Swarm does not rebalance), and its old container is gone.
    expect((await taskOf('mover')).node).toBe(other);
    expect(await cluster.docker(first.node, 'ps', '-q', '--filter', 'label=com.docker.swarm.service.name=mover')).toBe('');

    // A node that dies at once (SIGKILL to its dockerd, containerd and containers: no goodbye to the manager) is found
    // by the missed heartbeats (dispatcher heartbeat 1 s in the harness; Swarm's default 5 s).
    const t2 = Date.now();
    await cluster.stopNode(other, { signal: 'SIGKILL' });
    await cluster.waitForNodes('Down', [other], 60_000);
    const killedDown = Date.now() - t2;
    const back = await taskOf('mover', 90_000);
    expect(back.node).toBe(first.node);
    console.log(`worker ${other} killed: Down after ${killedDown} ms, task running on worker ${first.node} after ${Date.now() - t2} ms`);
    await cluster.startNode(other);
    await cluster.waitForNodes('Ready', undefined, 60_000);
    await cluster.docker(0, 'service', 'rm', 'mover');
  });

  it('6: every node\'s daemon sets no-new-privileges: a container run on it shows NoNewPrivs: 1', async () => {
    for (const n of cluster.nodes) {
      const status = await cluster.docker(n.index, 'run', '--rm', image, 'grep', 'NoNewPrivs', '/proc/self/status');
      expect(status, n.name).toMatch(/^NoNewPrivs:\s+1$/);
    }
    // The probe tells the two apart: a container may turn the daemon default off for itself (a service cannot set it).
    const off = await cluster.docker(1, 'run', '--rm', '--security-opt', 'no-new-privileges=false', image, 'grep', 'NoNewPrivs', '/proc/self/status');
    expect(off).toMatch(/^NoNewPrivs:\s+0$/);
  });

  it('7: dispose leaves no process, mount, netns, veth, bridge, iptables rule, cgroup or directory; the host engine is intact', async () => {
    const { id, dir, bridge } = cluster;
    await cluster.docker(0, 'service', 'create', '-d', '-q', '--name', 'leftover', '--replicas', '3', ...FAST, image);
    await waitFor('3 running tasks of leftover', async () => (await runningTasks('leftover')).length === 3, 60_000, 250);
    const t0 = Date.now();
    await cluster[Symbol.asyncDispose]();
    console.log(`swarm cluster ${id} disposed in ${Date.now() - t0} ms`);
    await cluster[Symbol.asyncDispose](); // idempotent
    await expectGone(id, dir, bridge);
  });

  it('8: the sweep removes what a killed run left behind (its owner process is gone)', async () => {
    // A run of its own, killed with SIGKILL once its cluster is up: nothing of it is torn down.
    const script = `import { SwarmCluster } from './test/helpers/swarm-cluster.ts';
      const c = await SwarmCluster.start({ nodes: 2 });
      await c.docker(0, 'network', 'create', '-d', 'overlay', 'ov');
      console.log(JSON.stringify({ id: c.id, dir: c.dir, bridge: c.bridge }));
      setInterval(() => undefined, 1000);`;
    const child = spawn('npx', ['tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    const line = await waitFor(() => `the killed run's cluster to start: ${out}`, () => /^\{.*\}$/m.exec(out)?.[0], 120_000, 200);
    const killed = JSON.parse(line) as { id: string; dir: string; bridge: string };
    process.kill(-child.pid!, 'SIGKILL');
    await waitFor('the killed run to exit', () => child.exitCode !== null || child.signalCode !== null, 10_000, 100);
    expect(existsSync(killed.dir)).toBe(true);
    const owner = Number(readFileSync(`${killed.dir}/owner`, 'utf8').split(':')[0]);
    await waitFor('the killed run\'s owner process to be gone', () => !existsSync(`/proc/${owner}`), 10_000, 100);
    expect(await sweepSwarmClusters()).toContain(killed.id);
    await expectGone(killed.id, killed.dir, killed.bridge);
  });
});

describe('SwarmCluster: nodes with ICC on (dockerd\'s default)', { timeout: 300_000 }, () => {
  it('two tasks on no network on one node reach each other: the isolation of fact 4 comes from --icc=false', async () => {
    let made: { id: string; dir: string; bridge: string };
    {
      await using cluster = await SwarmCluster.start({ nodes: 1, icc: true });
      made = { id: cluster.id, dir: cluster.dir, bridge: cluster.bridge };
      const image = await cluster.seedImage(BUSYBOX_IMAGE, 'berth-test/busybox');
      await cluster.docker(0, 'service', 'create', '-d', '-q', '--name', 'a', ...FAST, image, ...HTTPD);
      await cluster.docker(0, 'service', 'create', '-d', '-q', '--name', 'b', ...FAST, image);
      const ps = async (name: string) => waitFor(`a container of ${name}`, async () => (await cluster.docker(0, 'ps', '-q', '--filter', `label=com.docker.swarm.service.name=${name}`)) || undefined, 60_000, 250);
      const [a, b] = [await ps('a'), await ps('b')];
      const aIp = await cluster.docker(0, 'inspect', a, '--format', '{{.NetworkSettings.Networks.bridge.IPAddress}}');
      const get = `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${aIp} 8080`;
      const reply = await waitFor('b to reach a on the node\'s bridge', () => cluster.docker(0, 'exec', b, 'sh', '-c', get).catch(() => undefined), 30_000, 500);
      expect(reply).toContain(a.slice(0, 12));
    }
    await expectGone(made.id, made.dir, made.bridge);
  });
});

describe('SwarmCluster: registry with htpasswd auth', { timeout: 300_000 }, () => {
  it('refuses a push without login and accepts it with the configured user', async () => {
    let made: { id: string; dir: string; bridge: string };
    {
      await using cluster = await SwarmCluster.start({ nodes: 1, registryAuth: { username: 'berth', password: 'pw-' + process.pid } });
      made = { id: cluster.id, dir: cluster.dir, bridge: cluster.bridge };
      expect((await fetch(`http://${cluster.registry}/v2/`)).status).toBe(401);
      await expect(cluster.seedImage(BUSYBOX_IMAGE, 'berth-test/busybox')).rejects.toThrow(/no basic auth credentials|unauthorized/);
      await cluster.login();
      expect(await cluster.seedImage(BUSYBOX_IMAGE, 'berth-test/busybox')).toMatch(/@sha256:[0-9a-f]{64}$/);
      // The credentials stay in the cluster's own CLI config, never in the host user's.
      expect(readFileSync(`${cluster.dir}/cli/config.json`, 'utf8')).toContain(cluster.registry);
      const hostConfig = `${process.env.HOME ?? '/root'}/.docker/config.json`;
      if (existsSync(hostConfig)) expect(readFileSync(hostConfig, 'utf8')).not.toContain(cluster.registry);
    }
    await expectGone(made.id, made.dir, made.bridge);
  });
});

/** Nothing of cluster `id` is left on the host, and the host's engine and docker0 are fine. */
async function expectGone(id: string, dir: string, bridge: string): Promise<void> {
  const procs = (await run('ps', ['-eo', 'pid,args'])).stdout.split('\n').filter((l) => l.includes(dir));
  expect(procs).toEqual([]);
  expect(mountsUnder(dir)).toEqual([]);
  // Node netns files (/run/netns/bsw<id>-n<i>) and the nodes' sandboxes (under their exec roots, not /run/docker/netns).
  expect(readFileSync('/proc/mounts', 'utf8').split('\n').filter((l) => l.includes(id))).toEqual([]);
  expect((await run('ip', ['netns', 'list'])).stdout).not.toContain(`bsw${id}`);
  expect((await run('ip', ['-o', 'link', 'show'])).stdout).not.toContain(`bsw${id}`);
  expect((await run('ip', ['-o', 'link', 'show'])).stdout).not.toContain(`${bridge}:`);
  expect((await run('iptables', ['-S'])).stdout).not.toContain(`bsw${id}`);
  expect((await run('iptables', ['-S', '-t', 'nat'])).stdout).not.toContain(`bsw${id}`);
  const cgroups = (await run('sh', ['-c', `ls -d /sys/fs/cgroup/*/bsw${id}* /sys/fs/cgroup/bsw${id}* 2>/dev/null || true`])).stdout.trim();
  expect(cgroups).toBe('');
  expect(existsSync(dir)).toBe(false);
  expect((await run('docker', ['info', '--format', '{{.ServerVersion}}'])).stdout.trim()).not.toBe('');
  expect((await run('ip', ['-o', 'link', 'show', 'docker0'])).stdout).toContain('docker0');
}

/** A TCP listener that answers `host-ok` and reports the remote address of each connection. */
function listen(host: string, onConnection: (remote: string) => void): Promise<Server> {
  return new Promise((resolve, reject) => {
    const srv = createServer((s) => {
      onConnection(s.remoteAddress ?? '');
      s.end('host-ok\n');
    });
    srv.once('error', reject);
    srv.listen(0, host, () => resolve(srv));
  });
}
