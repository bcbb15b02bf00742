import { execFile, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from './wait-for.js';

const run = promisify(execFile);

/**
 * Every name and path a cluster makes starts with this prefix and the cluster's 6-hex id: bridge `bsw<id>`, veths
 * `bsw<id>v<i>`, network namespaces `bsw<id>-n<i>`, cgroup parents `bsw<id>-n<i>`, the directory `/tmp/bsw-<id>`. The
 * sweep finds leftovers of a killed run by it (and by `owner` in the directory, the pid of the process that made it).
 */
const PREFIX = 'bsw';
const ROOT = '/tmp';
const DIR_RE = /^bsw-([0-9a-f]{6})$/;
const NAME_RE = /^bsw([0-9a-f]{6})/;

/** Options of {@link SwarmCluster.start}. */
export interface SwarmClusterOptions {
  /** Number of nodes, manager first (default 3: one manager, two workers). */
  nodes?: number;
  /** Swarm dispatcher heartbeat (default `1s`: a stopped node is marked Down after ~3 heartbeats instead of ~15 s). */
  dispatcherHeartbeat?: string;
  /** Turn on htpasswd auth on the registry with this user (the nodes are not logged in: use `--with-registry-auth`). */
  registryAuth?: { username: string; password: string };
  /**
   * Inter-container traffic on each node's default `bridge` network (default false, dockerd `--icc=false`). A Swarm
   * service attached to no network lands on that bridge (not on docker_gwbridge), so with ICC on, tasks on one node
   * reach each other.
   */
  icc?: boolean;
  /** Start every dockerd with `--no-new-privileges` (default true; false: a swarm berth must refuse). */
  noNewPrivileges?: boolean;
  /** Bound of the whole start (dockerds, swarm, registry, nodes Ready); default 120 s. */
  timeoutMs?: number;
}

/** One node of the cluster: a network namespace with its own dockerd. */
export interface SwarmNode {
  index: number;
  /** The node's hostname (its own UTS namespace), as Swarm reports it: `bsw<id>-n<i>`. */
  name: string;
  /** The node's address on the host bridge (Swarm advertise address). */
  address: string;
  /** The node engine's endpoint on the host filesystem, `unix:///tmp/bsw-<id>/n<i>/docker.sock` (usable as DOCKER_HOST). */
  socket: string;
  /** The network namespace name (`/run/netns/<netns>`). */
  netns: string;
  /** Swarm node ID (set once the node has joined). */
  nodeId: string;
  role: 'manager' | 'worker';
}

/**
 * A real multi-node Docker Swarm on this one machine, for tests: a host bridge with a /24 the harness picks, N network
 * namespaces (veth into the bridge), one dockerd per namespace (entered with `nsenter --net`, never `ip netns exec`,
 * which remounts /sys and breaks dockerd's cgroup detection), each in its own UTS namespace so Swarm sees distinct
 * hostnames, started with `--no-new-privileges` and `--insecure-registry` for the cluster's registry (Debian's
 * docker-registry on the bridge address). The first node inits the swarm, the others join as workers.
 *
 * Use with `await using cluster = await SwarmCluster.start()`: disposal removes everything it made, and `start()` first
 * sweeps what a killed earlier run left.
 */
export class SwarmCluster implements AsyncDisposable {
  readonly nodes: SwarmNode[] = [];
  /** `host:port` of the registry (on the bridge address), reachable from every node and from the host. */
  registry = '';
  private registryPid = 0;
  private disposed = false;
  private readonly pids = new Map<number, number>();

  private constructor(
    /** The cluster's random id (6 hex). */
    readonly id: string,
    /** The host bridge's name. */
    readonly bridge: string,
    /**
     * The host's address on the bridge: every node (and every container, through its node's NAT) reaches it, so a router
     * that containers must reach listens here.
     */
    readonly bridgeAddress: string,
    private readonly subnet: string,
    /** The cluster's directory (data roots, sockets, logs, registry storage). */
    readonly dir: string,
    private readonly opts: Required<Omit<SwarmClusterOptions, 'registryAuth'>> & Pick<SwarmClusterOptions, 'registryAuth'>,
  ) {}

  /** berth's `swarm.nodes` for this cluster: each node's hostname → its engine's unix socket. */
  get nodeEngines(): Record<string, string> {
    return Object.fromEntries(this.nodes.map((n) => [n.name, n.socket]));
  }

  /** The manager node (node 0). */
  get manager(): SwarmNode {
    return this.nodes[0]!;
  }

  /** Build and start the cluster; on failure everything made so far is removed and the error says which step failed. */
  static async start(options: SwarmClusterOptions = {}): Promise<SwarmCluster> {
    const opts = { nodes: 3, dispatcherHeartbeat: '1s', icc: false, noNewPrivileges: true, timeoutMs: 120_000, ...options };
    if (opts.nodes < 1 || opts.nodes > 9) throw new Error(`SwarmCluster: nodes must be 1..9, got ${opts.nodes}`);
    await sweepSwarmClusters();
    const id = randomBytes(3).toString('hex');
    const dir = join(ROOT, `${PREFIX}-${id}`);
    mkdirSync(dir, { mode: 0o700 });
    // The owner goes in first: a sweep by a concurrent run leaves a cluster alone while its owner lives.
    writeFileSync(join(dir, 'owner'), ownerStamp(process.pid));
    const third = await freeThirdOctet().catch((err: unknown) => {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    });
    const cluster = new SwarmCluster(id, `${PREFIX}${id}`, `10.231.${third}.1`, `10.231.${third}.0/24`, dir, opts);
    const deadline = Date.now() + opts.timeoutMs;
    try {
      await cluster.makeNetwork();
      await cluster.startRegistry(deadline);
      await Promise.all(cluster.nodes.map((n) => cluster.startNode(n.index, deadline - Date.now())));
      await cluster.formSwarm(deadline);
    } catch (err) {
      await cluster[Symbol.asyncDispose]().catch(() => undefined);
      throw err;
    }
    return cluster;
  }

  /**
   * The Docker CLI against node `i`'s engine; resolves to trimmed stdout, rejects with stderr in the message. The CLI
   * uses a config directory of the cluster's own (never the host user's ~/.docker), so {@link login} stays in the cluster.
   */
  async docker(i: number, ...args: string[]): Promise<string> {
    const node = this.node(i);
    try {
      const { stdout } = await run('docker', ['--config', this.cliConfig, '-H', node.socket, ...args], { maxBuffer: 64 * 1024 * 1024, timeout: 120_000 });
      return stdout.trim();
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`docker -H ${node.socket} ${args.join(' ')}: ${(e.stderr ?? '').trim() || e.message}`);
    }
  }

  /**
   * Start node `i`'s dockerd (again, over the same data root after {@link stopNode}) and wait until its engine answers.
   * A node that stopped while in the swarm rejoins by itself.
   */
  async startNode(i: number, timeoutMs = 60_000): Promise<void> {
    const node = this.node(i);
    const running = this.pids.get(i);
    if (running !== undefined && alive(running)) throw new Error(`SwarmCluster.startNode: node ${i}'s dockerd (pid ${running}) is running`);
    const d = this.nodeDir(i);
    mkdirSync(d, { recursive: true });
    // After a SIGKILL the old containerd's pidfile stays; its pid can still exist as a zombie for a moment (or be reused),
    // and dockerd then waits for that "still running" containerd until it gives up. No live containerd of ours: drop it.
    const containerdPid = join(d, 'exec', 'containerd', 'containerd.pid');
    if (!processesUnder(d).length) rmSync(containerdPid, { force: true });
    const logPath = join(d, 'dockerd.log');
    const log = openSync(logPath, 'a');
    const dockerd = ['dockerd', '--data-root', join(d, 'data'), '--exec-root', join(d, 'exec'), '--pidfile', join(d, 'docker.pid'),
      '-H', node.socket, ...(this.opts.noNewPrivileges ? ['--no-new-privileges'] : []), '--insecure-registry', this.registry,
      // Its own docker0 and docker_gwbridge live in the node's namespace; their pool must not meet the bridge /24 or the
      // swarm's overlay pool (10.233/16), and never the host's docker0 (another namespace: dockerd cannot see it).
      '--default-address-pool', 'base=10.232.0.0/16,size=24',
      '--cgroup-parent', `/${node.netns}`, '--storage-driver', 'overlay2', '--userland-proxy=false', '--live-restore=false',
      `--icc=${this.opts.icc}`, '--shutdown-timeout', '5'];
    // nsenter --net only (see the class comment); unshare --uts gives the node its own hostname for Swarm.
    const child = spawn('nsenter', [`--net=/run/netns/${node.netns}`, 'unshare', '--uts', 'sh', '-c',
      `hostname "$0" && exec "$@"`, node.name, ...dockerd], { stdio: ['ignore', log, log], detached: true });
    closeSync(log);
    child.unref();
    const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? -1)));
    let exitCode: number | undefined;
    void exited.then((c) => (exitCode = c));
    this.pids.set(i, child.pid!);
    await waitFor(() => `node ${node.name}'s dockerd to answer on ${node.socket}; its log ends:\n${tail(logPath)}`, async () => {
      if (exitCode !== undefined) throw new Error(`dockerd of ${node.name} exited with ${exitCode}; its log ends:\n${tail(logPath)}`);
      return this.docker(i, 'version', '--format', '{{.Server.Version}}').then(() => true, () => false);
    }, Math.max(timeoutMs, 1000), 200);
  }

  /**
   * Stop node `i`'s dockerd: SIGTERM (it stops its containers), SIGKILL after `graceMs`. With `signal: 'SIGKILL'` the
   * node dies at once, with its containerd and containers (every process in its cgroups), like a machine that fails.
   */
  async stopNode(i: number, { signal = 'SIGTERM', graceMs = 20_000 }: { signal?: 'SIGTERM' | 'SIGKILL'; graceMs?: number } = {}): Promise<void> {
    this.node(i);
    const pid = this.pids.get(i);
    this.pids.delete(i);
    if (pid !== undefined && alive(pid)) {
      process.kill(pid, signal);
      const gone = await waitFor(`dockerd of node ${i} (pid ${pid}) to exit`, () => !alive(pid), graceMs, 100).then(() => true, () => false);
      if (!gone) process.kill(pid, 'SIGKILL');
      await waitFor(`dockerd of node ${i} (pid ${pid}) to exit after SIGKILL`, () => !alive(pid), 10_000, 100);
    }
    if (signal === 'SIGKILL') {
      // Its containerd, shims and containers too; wait until they are gone, or a start over the same roots finds the old
      // containerd (its pidfile, its lock on meta.db) and times out waiting for its own.
      const left = () => [...processesUnder(this.nodeDir(i)), ...cgroupPids(this.nodes[i]!.netns)];
      killPids(left());
      await waitFor(() => `node ${i}'s processes to die: ${left().join(' ')}`, () => left().length === 0, 10_000, 100);
    }
  }

  /** Wait until `docker node ls` on the manager shows every node (or the given ones) with the given status. */
  async waitForNodes(status: 'Ready' | 'Down', which: number[] = this.nodes.map((n) => n.index), timeoutMs = 60_000): Promise<void> {
    let last = '';
    await waitFor(() => `nodes ${which.join(',')} to be ${status}; docker node ls said:\n${last}`, async () => {
      last = await this.docker(0, 'node', 'ls', '--format', '{{.Hostname}} {{.Status}} {{.Availability}}');
      const states = new Map(last.split('\n').map((l) => l.split(' ') as [string, string]));
      return which.every((i) => states.get(this.nodes[i]!.name) === status);
    }, timeoutMs, 250);
  }

  /**
   * Copy `hostImage` from the host engine into the manager's engine, tag it `<registry>/<repo>:<tag>` and push it.
   * Returns the pushed reference by digest, `<registry>/<repo>@sha256:…` (what every node pulls).
   */
  async seedImage(hostImage: string, repo: string, tag = 'latest'): Promise<string> {
    const ref = `${this.registry}/${repo}:${tag}`;
    await run('sh', ['-c', `docker save "$0" | docker --config "$2" -H "$1" load -q`, hostImage, this.manager.socket, this.cliConfig], { timeout: 120_000 });
    await this.docker(0, 'tag', hostImage, ref);
    const out = await this.docker(0, 'push', ref);
    const digest = /digest: (sha256:[0-9a-f]{64})/.exec(out)?.[1];
    if (!digest) throw new Error(`push of ${ref} reported no digest: ${out}`);
    return `${this.registry}/${repo}@${digest}`;
  }

  /**
   * Log the cluster's Docker CLI in to the registry with `registryAuth` (then `seedImage` can push, and
   * `service create --with-registry-auth` passes the credentials to the workers).
   */
  async login(): Promise<void> {
    const auth = this.opts.registryAuth;
    if (!auth) throw new Error('SwarmCluster.login: the cluster was started without registryAuth');
    await new Promise<void>((resolve, reject) => {
      const child = execFile('docker', ['--config', this.cliConfig, '-H', this.manager.socket, 'login', '-u', auth.username, '--password-stdin', this.registry],
        { timeout: 30_000 }, (err, _out, stderr) => (err ? reject(new Error(`docker login ${this.registry}: ${stderr.trim() || err.message}`)) : resolve()));
      child.stdin!.end(auth.password);
    });
  }

  /**
   * Close the swarm's own ports to tasks on every node, as the README asks of an operator: traffic that comes in on a
   * node's `docker_gwbridge` (tasks' way out) to 2377/tcp, 7946/tcp+udp and 4789/udp is dropped, forwarded to another
   * node (DOCKER-USER) or sent to the node itself (INPUT). Without it a task sends VXLAN frames into any overlay network.
   */
  async closeSwarmPortsToTasks(): Promise<void> {
    await this.swarmPortRules('-I');
  }

  /** Take the rules of {@link closeSwarmPortsToTasks} out again: the swarm's ports as Docker leaves them, open to tasks. */
  async openSwarmPortsToTasks(): Promise<void> {
    await this.swarmPortRules('-D');
  }

  private async swarmPortRules(action: '-I' | '-D'): Promise<void> {
    for (const n of this.nodes) {
      for (const chain of ['DOCKER-USER', 'INPUT']) {
        for (const [proto, port] of [['udp', '4789'], ['tcp', '2377'], ['tcp', '7946'], ['udp', '7946']] as const) {
          await run('nsenter', [`--net=/run/netns/${n.netns}`, 'iptables', '-w', action, chain, '-i', 'docker_gwbridge', '-p', proto, '--dport', port, '-j', 'DROP']);
        }
      }
    }
  }

  /** A node's log of its dockerd (for failure messages). */
  nodeLog(i: number, lines = 40): string {
    return tail(join(this.nodeDir(i), 'dockerd.log'), lines);
  }

  /** Remove everything: services, every dockerd, mounts, cgroups, netns, veths, bridge, iptables rule, registry, dir. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    if (this.nodes.length && this.pids.has(0)) {
      // Services first, so the nodes stop their tasks cleanly before their engines go.
      const ids = (await this.docker(0, 'service', 'ls', '-q').catch(() => '')).split('\n').filter(Boolean);
      if (ids.length) await this.docker(0, 'service', 'rm', ...ids).catch(() => undefined);
    }
    await Promise.all(this.nodes.map((n) => this.stopNode(n.index, { graceMs: 15_000 }).catch(() => undefined)));
    await removeCluster(this.id);
  }

  private node(i: number): SwarmNode {
    const node = this.nodes[i];
    if (!node) throw new Error(`SwarmCluster: no node ${i} (the cluster has ${this.nodes.length})`);
    return node;
  }

  private get cliConfig(): string {
    return join(this.dir, 'cli');
  }

  private nodeDir(i: number): string {
    return join(this.dir, `n${i}`);
  }

  private async makeNetwork(): Promise<void> {
    const net = this.subnet.split('.').slice(0, 3).join('.');
    await ip('link', 'add', this.bridge, 'type', 'bridge');
    await ip('addr', 'add', `${this.bridgeAddress}/24`, 'dev', this.bridge);
    await ip('link', 'set', this.bridge, 'up');
    // The host filters bridged frames (bridge-nf-call-iptables=1) and FORWARD's policy is DROP: let node↔node traffic
    // through on this bridge only (no forwarding out of it: nodes reach nothing but each other and the host's address).
    await run('iptables', ['-I', 'FORWARD', '-i', this.bridge, '-o', this.bridge, '-j', 'ACCEPT', '-m', 'comment', '--comment', `${PREFIX}-${this.id}`]);
    for (let i = 0; i < this.opts.nodes; i++) {
      const netns = `${PREFIX}${this.id}-n${i}`;
      const address = `${net}.${10 + i}`;
      const veth = `${PREFIX}${this.id}v${i}`;
      await ip('netns', 'add', netns);
      await ip('link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns);
      await ip('link', 'set', veth, 'master', this.bridge, 'up');
      await ip('-n', netns, 'addr', 'add', `${address}/24`, 'dev', 'eth0');
      await ip('-n', netns, 'link', 'set', 'eth0', 'up');
      await ip('-n', netns, 'link', 'set', 'lo', 'up');
      await ip('-n', netns, 'route', 'add', 'default', 'via', this.bridgeAddress);
      this.nodes.push({ index: i, name: netns, address, socket: `unix://${join(this.nodeDir(i), 'docker.sock')}`, netns, nodeId: '', role: i === 0 ? 'manager' : 'worker' });
    }
  }

  private async startRegistry(deadline: number): Promise<void> {
    const d = join(this.dir, 'registry');
    mkdirSync(join(d, 'storage'), { recursive: true });
    const port = await freePortOn(this.bridgeAddress);
    this.registry = `${this.bridgeAddress}:${port}`;
    let auth = '';
    if (this.opts.registryAuth) {
      const { username, password } = this.opts.registryAuth;
      writeFileSync(join(d, 'htpasswd'), `${username}:${bcrypt(password)}\n`, { mode: 0o600 });
      auth = `auth:\n  htpasswd:\n    realm: berth-test\n    path: ${join(d, 'htpasswd')}\n`;
    }
    const config = join(d, 'config.yml');
    writeFileSync(config, [
      'version: 0.1',
      'log:\n  level: warn\n  accesslog:\n    disabled: true',
      `storage:\n  filesystem:\n    rootdirectory: ${join(d, 'storage')}\n  delete:\n    enabled: true`,
      `http:\n  addr: ${this.registry}\n  secret: ${randomBytes(16).toString('hex')}`,
      auth,
    ].join('\n'));
    const logPath = join(d, 'registry.log');
    const log = openSync(logPath, 'a');
    const child = spawn('/usr/bin/docker-registry', ['serve', config], { stdio: ['ignore', log, log], detached: true });
    closeSync(log);
    child.unref();
    this.registryPid = child.pid!;
    await waitFor(() => `the registry on ${this.registry}; its log ends:\n${tail(logPath)}`, async () => {
      if (!alive(this.registryPid)) throw new Error(`docker-registry exited; its log ends:\n${tail(logPath)}`);
      const res = await fetch(`http://${this.registry}/v2/`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
      return res !== undefined && (res.status === 200 || res.status === 401);
    }, Math.min(30_000, deadline - Date.now()), 200);
  }

  private async formSwarm(deadline: number): Promise<void> {
    const m = this.manager;
    await this.docker(0, 'swarm', 'init', '--advertise-addr', m.address, '--listen-addr', `${m.address}:2377`,
      // Overlay subnets come from a /16 that meets neither the host's nor the nodes' own networks.
      '--default-addr-pool', '10.233.0.0/16', '--dispatcher-heartbeat', this.opts.dispatcherHeartbeat, '--task-history-limit', '2');
    const token = await this.docker(0, 'swarm', 'join-token', '-q', 'worker');
    await Promise.all(this.nodes.slice(1).map((n) =>
      this.docker(n.index, 'swarm', 'join', '--token', token, '--advertise-addr', n.address, '--listen-addr', `${n.address}:2377`, `${m.address}:2377`)));
    await this.waitForNodes('Ready', undefined, Math.max(1000, deadline - Date.now()));
    for (const n of this.nodes) n.nodeId = await this.docker(n.index, 'info', '--format', '{{.Swarm.NodeID}}');
  }
}

/**
 * Remove what earlier runs left whose owner process is gone (a run killed before its teardown): processes, mounts,
 * cgroups, netns, veths, bridges, iptables rules and directories with the prefix. Clusters of live owners are left alone.
 */
export async function sweepSwarmClusters(): Promise<string[]> {
  const ids = new Set<string>();
  for (const e of readdirSync(ROOT)) {
    const m = DIR_RE.exec(e);
    if (m) ids.add(m[1]!);
  }
  const links = (await run('ip', ['-o', 'link', 'show'])).stdout;
  for (const m of links.matchAll(/^\d+: (bsw[0-9a-f]{6})/gm)) ids.add(NAME_RE.exec(m[1]!)![1]!);
  for (const ns of await netnsList()) {
    const m = NAME_RE.exec(ns);
    if (m) ids.add(m[1]!);
  }
  for (const m of (await run('iptables', ['-S', 'FORWARD'])).stdout.matchAll(/-i bsw([0-9a-f]{6})/g)) ids.add(m[1]!);
  const swept: string[] = [];
  for (const id of ids) {
    const owner = readOwner(join(ROOT, `${PREFIX}-${id}`, 'owner'));
    if (owner && ownerAlive(owner)) continue;
    await removeCluster(id);
    swept.push(id);
  }
  return swept;
}

/** Remove every trace of cluster `id` (idempotent; each step goes on when the thing is already gone). */
async function removeCluster(id: string): Promise<void> {
  const dir = join(ROOT, `${PREFIX}-${id}`);
  const nsPrefix = `${PREFIX}${id}-n`;
  // Everything that runs from the cluster's directory (dockerds, containerds, shims, the registry), then what is left in
  // its nodes' cgroups (container processes). SIGTERM first for a clean stop, then SIGKILL.
  const procs = () => [...processesUnder(dir), ...cgroupsOf(nsPrefix).flatMap((c) => pidsIn(c))];
  killPids(procs(), 'SIGTERM');
  await waitFor('cluster processes to exit', () => procs().length === 0, 10_000, 200).catch(() => killPids(procs(), 'SIGKILL'));
  // Every later step goes on regardless (idempotent removal); what could not be removed is reported at the end.
  const problems: string[] = [];
  await waitFor(() => `cluster ${id}'s processes to die: ${procs().join(' ')}`, () => procs().length === 0, 10_000, 200)
    .catch((err: Error) => problems.push(err.message));
  // Deepest first; lazy because a netns mount may still be busy for a moment after its holder died.
  for (const m of mountsUnder(dir).reverse()) await run('umount', ['-l', m]).catch(() => undefined);
  for (const ns of (await netnsList()).filter((n) => n.startsWith(nsPrefix))) await ip('netns', 'delete', ns).catch(() => undefined);
  const links = (await run('ip', ['-o', 'link', 'show'])).stdout;
  for (const m of links.matchAll(new RegExp(`^\\d+: (${PREFIX}${id}v\\d+)[@:]`, 'gm'))) await ip('link', 'delete', m[1]!).catch(() => undefined);
  await ip('link', 'delete', `${PREFIX}${id}`).catch(() => undefined);
  const rules = (await run('iptables', ['-S', 'FORWARD'])).stdout.split('\n').filter((r) => r.includes(`-i ${PREFIX}${id} `));
  for (const r of rules) await run('iptables', ['-D', ...r.replace(/^-A /, '').split(' ').map(unquote)]).catch(() => undefined);
  for (const c of cgroupsOf(nsPrefix).sort((a, b) => b.length - a.length)) rmdirQuiet(c);
  const mounts = mountsUnder(dir);
  if (mounts.length) problems.push(`mounts still under ${dir}: ${mounts.join(' ')}`);
  else rmSync(dir, { recursive: true, force: true });
  if (problems.length) throw new Error(`SwarmCluster ${id}: teardown left things behind (scripts/swarm-sweep.sh retries): ${problems.join('; ')}`);
}

// ---- small host probes -------------------------------------------------------------------------------------------

async function ip(...args: string[]): Promise<void> {
  try {
    await run('ip', args, { timeout: 30_000 });
  } catch (err) {
    throw new Error(`ip ${args.join(' ')}: ${((err as { stderr?: string }).stderr ?? String(err)).trim()}`);
  }
}

async function netnsList(): Promise<string[]> {
  const out = (await run('ip', ['netns', 'list'])).stdout;
  return out.split('\n').map((l) => l.split(' ')[0] ?? '').filter(Boolean);
}

/** A third octet for 10.231.X.0/24 that no host address or route overlaps (other clusters' bridges included). */
async function freeThirdOctet(): Promise<number> {
  const used = (await run('ip', ['-4', '-o', 'addr'])).stdout + (await run('ip', ['-4', 'route'])).stdout;
  const taken = (cidr: string) => overlaps(cidr, used);
  for (const pool of ['10.232.0.0/16', '10.233.0.0/16']) {
    if (taken(pool)) throw new Error(`SwarmCluster: the host already uses addresses in ${pool}, which the nodes' networks need`);
  }
  for (let tries = 0; tries < 50; tries++) {
    const x = 1 + Math.floor(Math.random() * 253);
    if (!taken(`10.231.${x}.0/24`)) return x;
  }
  throw new Error('SwarmCluster: no free /24 in 10.231.0.0/16 on this host');
}

/** Whether `cidr` overlaps any IPv4 CIDR or address written in `text` (the output of `ip addr`/`ip route`). */
function overlaps(cidr: string, text: string): boolean {
  const [a, b] = range(cidr);
  for (const m of text.matchAll(/(\d+\.\d+\.\d+\.\d+)(?:\/(\d+))?/g)) {
    if (m[1] === '0.0.0.0') continue;
    const [c, d] = range(`${m[1]}/${m[2] ?? '32'}`);
    if (a <= d && c <= b) return true;
  }
  return false;
}

function range(cidr: string): [number, number] {
  const [addr, bits] = cidr.split('/') as [string, string];
  const n = addr.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  const size = 2 ** (32 - Number(bits));
  const start = n - (n % size);
  return [start, start + size - 1];
}

function freePortOn(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** bcrypt for the registry's htpasswd (distribution accepts bcrypt only); Python's bcrypt is in the Crossbar.io venv. */
function bcrypt(password: string): string {
  const script = 'import bcrypt,sys; print(bcrypt.hashpw(sys.stdin.buffer.read(), bcrypt.gensalt()).decode())';
  return execFileSync('/opt/berth-test/crossbar/bin/python', ['-c', script], { input: password, timeout: 30_000 }).toString().trim();
}

function tail(path: string, lines = 30): string {
  try {
    // containerd's gRPC reconnect chatter says nothing about why a node failed.
    return readFileSync(path, 'utf8').trimEnd().split('\n').filter((l) => !l.includes('module=grpc')).slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function alive(pid: number): boolean {
  try {
    // A zombie (exited, not reaped by its parent) counts as gone.
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** `pid:starttime`, so a reused pid does not pass for the owner. */
function ownerStamp(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return `${pid}:${stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]}`;
}

function readOwner(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function ownerAlive(stamp: string): boolean {
  const pid = Number(stamp.split(':')[0]);
  try {
    // A killed owner can linger a moment as a zombie: that is gone too.
    return alive(pid) && ownerStamp(pid) === stamp;
  } catch {
    return false;
  }
}

/** Pids whose command line mentions `dir/` (dockerd, containerd, shims, registry of one cluster). */
function processesUnder(dir: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${e}/cmdline`, 'utf8');
      if (cmd.includes(`${dir}/`) && alive(Number(e))) out.push(Number(e));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** The cgroup (v1 controllers, or v2) directories of the nodes, named after the node's netns, deepest last. */
function cgroupsOf(prefix: string): string[] {
  const found: string[] = [];
  const walk = (d: string, depth: number) => {
    let entries: string[];
    try {
      entries = readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e);
      if (depth === 0 && !e.startsWith(prefix)) continue;
      found.push(p);
      walk(p, depth + 1);
    }
  };
  for (const c of readdirSync('/sys/fs/cgroup')) walk(join('/sys/fs/cgroup', c), 0);
  walk('/sys/fs/cgroup', 0);
  return [...new Set(found)];
}

function cgroupPids(netns: string): number[] {
  return cgroupsOf(netns).flatMap((c) => pidsIn(c));
}

function pidsIn(cgroup: string): number[] {
  try {
    return readFileSync(join(cgroup, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number).filter((p) => alive(p));
  } catch {
    return [];
  }
}

function killPids(pids: number[], signal: NodeJS.Signals = 'SIGKILL'): void {
  for (const p of new Set(pids)) {
    try {
      process.kill(p, signal);
    } catch {
      // already gone
    }
  }
}

/** Mount points at or under `dir`, in /proc/mounts order (parents before children). */
export function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => (l.split(' ')[1] ?? '').replace(/\\040/g, ' '))
    .filter((m) => m === dir || m.startsWith(`${dir}/`));
}

function rmdirQuiet(path: string): void {
  try {
    rmdirSync(path);
  } catch {
    // still busy: the sweep of a later run takes it
  }
}

function unquote(s: string): string {
  return s.replace(/^"(.*)"$/, '$1');
}

