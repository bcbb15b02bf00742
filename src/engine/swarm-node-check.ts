import { randomBytes } from 'node:crypto';
import type Dockerode from 'dockerode';
import { demuxLogs } from './demux-logs.js';
import type { DockerRequests } from './docker-requests.js';
import type { SwarmNode, SwarmTask } from './swarm-api.js';
import type { SwarmNetworks } from './swarm-networks.js';

/** On the check's own job service and network: the domain that ran it (never berth.domain: not one of its containers). */
export const PROBE_LABEL = 'berth.probe';
const POLL_MS = 250;
/** Swarm's gossip port, on every node. */
const GOSSIP_PORT = 7946;

/**
 * What the check's task runs: its /proc/self/status (NoNewPrivs), then, given `host port` pairs, a TCP connect to each
 * with busybox's nc (`-e /bin/true` ends a connection made at once; one that cannot be made ends after 2 s), all at once.
 */
const PROBE_SCRIPT = [
  'cat /proc/self/status',
  '[ $# -eq 0 ] && exit 0',
  // Only busybox's nc is known to end at once with -e after a connect; another nc could fail every try and pass the check.
  'nc --help 2>&1 | grep -q BusyBox || { echo berth-no-nc; exit 0; }',
  'while [ $# -ge 2 ]; do h=$1; p=$2; shift 2; (nc -w 2 "$h" "$p" -e /bin/true </dev/null >/dev/null 2>&1 && echo "berth-open $h:$p") & done',
  'wait',
].join('\n');

export interface NodeCheck {
  readonly node: string;
  readonly ok: boolean;
  /** What the node lacks or why it could not be checked. */
  readonly problem?: string;
}

export interface NodeCheckOptions {
  readonly domain: string;
  /** swarm.probeImage: `cat`, and for the ports `sh` and `nc` (busybox has them). */
  readonly image: string;
  readonly timeoutMs: number;
  /** swarm.checkPorts: also check that the node's tasks reach none of the swarm's own ports. */
  readonly ports: boolean;
  /** Where the check's own overlay network is made (its task's way out is then `docker_gwbridge`, as a container's is). */
  readonly networks: SwarmNetworks;
}

/**
 * The swarm's own ports a task must not reach (docs/swarm.md, "What the swarm must have"): every node's gossip
 * port and each manager's API port. The VXLAN port (4789/udp) is closed by the same rule, but a dropped UDP datagram
 * cannot be told from one nobody answers, so the TCP ports stand for it.
 */
export function swarmPorts(nodes: readonly SwarmNode[]): [host: string, port: number][] {
  const seen = new Map<string, [string, number]>();
  const add = (host: string | undefined, port: number) => {
    const h = host?.replace(/^\[(.*)\]$/, '$1');
    if (h && h !== '0.0.0.0' && h !== '::') seen.set(`${h} ${port}`, [h, port]);
  };
  for (const n of nodes) {
    add(n.Status?.Addr, GOSSIP_PORT);
    const m = n.ManagerStatus?.Addr;
    if (m) add(m.slice(0, m.lastIndexOf(':')), Number(m.slice(m.lastIndexOf(':') + 1)));
  }
  return [...seen.values()];
}

/** What a node lacks, read from its check task's output (empty: nothing). */
export function readProbe(output: string, ports: boolean): string[] {
  const problems: string[] = [];
  const match = /^NoNewPrivs:\s*(\d)/m.exec(output);
  if (!match) problems.push('the check could not read NoNewPrivs from /proc/self/status');
  else if (match[1] !== '1') problems.push('its daemon does not enforce no-new-privileges (set "no-new-privileges": true in its daemon.json)');
  if (!ports) return problems;
  if (/^berth-no-nc$/m.test(output)) {
    problems.push("swarm.probeImage has no busybox nc to check the swarm's ports with (use a busybox image)");
    return problems;
  }
  const open = [...output.matchAll(/^berth-open (\S+)$/gm)].map((m) => m[1]!);
  if (open.length) {
    problems.push(
      `its tasks reach the swarm's own ports (${open.sort().join(', ')}), so a container could send VXLAN frames into another's network: ` +
        "drop what comes in on docker_gwbridge to 2377, 7946 and 4789 (docs/swarm.md, \"What the swarm must have\"), " +
        'or set swarm.checkPorts: false when the overlays are protected otherwise',
    );
  }
  return problems;
}

/**
 * Whether every ready node is fit to run berth's containers, checked for real by a global job that runs once
 * on every node that is ready and not drained, from `image`, on an overlay network of its own like a container's:
 * - the node's daemon runs containers with no-new-privileges, which a service cannot ask for (moby #41371);
 * - with `ports`, its tasks reach none of the swarm's own ports (every node's 7946, each manager's 2377).
 * The job and its network are removed afterwards, whatever happened, and at the start of a check when a berth killed
 * during one left them.
 */
export async function checkNodes(docker: Dockerode, r: DockerRequests, o: NodeCheckOptions): Promise<NodeCheck[]> {
  await sweepProbes(docker, r, o);
  const all = (await r.request('list nodes', (abortSignal) => docker.listNodes({ abortSignal } as {}))) as SwarmNode[];
  const nodes = all.filter((n) => n.Status?.State === 'ready' && n.Spec?.Availability !== 'drain');
  const name = `berth-probe-${randomBytes(4).toString('hex')}`;
  const labels = { [PROBE_LABEL]: o.domain };
  const targets = o.ports ? swarmPorts(all).flatMap(([h, p]) => [h, String(p)]) : [];
  let id: string | undefined;
  try {
    const network = o.ports ? await o.networks.ensure(name, labels) : undefined;
    const created = (await r.request('create check service', () =>
      docker.createService({
        Name: name,
        Labels: labels,
        TaskTemplate: {
          ContainerSpec: { Image: o.image, Command: o.ports ? ['sh', '-c', PROBE_SCRIPT, 'berth-probe', ...targets] : ['cat', '/proc/self/status'], Labels: labels },
          RestartPolicy: { Condition: 'none' },
          Resources: { Limits: { MemoryBytes: 32 * 1024 * 1024, NanoCPUs: 250_000_000 } },
          LogDriver: { Name: 'json-file' },
          ...(network ? { Networks: [{ Target: network }] } : {}),
        },
        Mode: { GlobalJob: {} },
        ...(network ? { EndpointSpec: { Mode: 'dnsrr' } } : {}),
      } as unknown as Dockerode.CreateServiceOptions),
    )) as unknown as { id?: string; ID?: string };
    id = (created.id ?? created.ID)!;
    const deadline = Date.now() + o.timeoutMs;
    let tasks: SwarmTask[] = [];
    for (;;) {
      tasks = (await r.request('list tasks', (abortSignal) => docker.listTasks({ filters: { service: [id] }, abortSignal }))) as SwarmTask[];
      const settled = nodes.every((n) => tasks.some((t) => t.NodeID === n.ID && ['complete', 'failed', 'rejected'].includes(t.Status.State)));
      if (settled || Date.now() >= deadline) break;
      await new Promise((res) => setTimeout(res, POLL_MS));
    }
    return await Promise.all(nodes.map((n) => checkNode(docker, r, n, tasks.filter((t) => t.NodeID === n.ID), o.ports)));
  } finally {
    if (id) await r.tolerate([404], 'remove check service', (abortSignal) => docker.getService(id!).remove({ abortSignal } as {}));
    if (o.ports) await o.networks.remove(name);
  }
}

async function checkNode(docker: Dockerode, r: DockerRequests, node: SwarmNode, tasks: SwarmTask[], ports: boolean): Promise<NodeCheck> {
  const hostname = node.Description?.Hostname ?? node.ID;
  const task = tasks.find((t) => t.Status.State === 'complete') ?? tasks[0];
  if (!task || task.Status.State !== 'complete') {
    const why = task ? `${task.Status.State}${task.Status.Err ? `: ${task.Status.Err}` : ''}` : 'no task ran there in time';
    return { node: hostname, ok: false, problem: `the check did not run on it (${why})` };
  }
  // GET /tasks/{id}/logs: dockerode has no method for it; its modem dials it as it does a service's logs.
  const buf = await r.request('check task logs', (abortSignal) => dialTaskLogs(docker, task.ID, abortSignal));
  const problems = readProbe(demuxLogs(buf), ports);
  return problems.length ? { node: hostname, ok: false, problem: problems.join('; ') } : { node: hostname, ok: true };
}

/** A berth killed during a check left its job (and network): the domain's own, found by PROBE_LABEL. */
async function sweepProbes(docker: Dockerode, r: DockerRequests, o: NodeCheckOptions): Promise<void> {
  const label = { label: [`${PROBE_LABEL}=${o.domain}`] };
  const services = await r.request('list check services', (abortSignal) => docker.listServices({ filters: label, abortSignal } as {}));
  for (const s of services as { ID: string }[]) await r.tolerate([404], 'remove check service', (abortSignal) => docker.getService(s.ID).remove({ abortSignal } as {}));
  const networks = await r.request('list check networks', (abortSignal) => docker.listNetworks({ filters: label, abortSignal }));
  for (const n of networks) await o.networks.remove(n.Name);
}

function dialTaskLogs(docker: Dockerode, id: string, abortSignal: AbortSignal): Promise<Buffer> {
  const modem = (docker as unknown as { modem: { dial(o: object, cb: (err: unknown, data: unknown) => void): void } }).modem;
  return new Promise((resolve, reject) =>
    modem.dial(
      { path: `/tasks/${id}/logs?`, method: 'GET', options: { stdout: true, stderr: true }, abortSignal, statusCodes: { 200: true, 404: 'no such task', 500: 'server error', 503: 'node is not part of a swarm' } },
      (err, data) => (err ? reject(err) : resolve(data as Buffer)),
    ),
  );
}
