import { randomBytes } from 'node:crypto';
import type Dockerode from 'dockerode';
import { demuxLogs } from './demux-logs.js';
import type { DockerRequests } from './docker-requests.js';
import type { SwarmNode, SwarmTask } from './swarm-api.js';

/** On the check's own job service: the domain that ran it (never berth.domain: it is not one of the domain's containers). */
export const PROBE_LABEL = 'berth.probe';
const POLL_MS = 250;

export interface NodeCheck {
  readonly node: string;
  readonly ok: boolean;
  /** What the node lacks or why it could not be checked. */
  readonly problem?: string;
}

/**
 * Whether every ready node's daemon runs containers with no-new-privileges (issue 13). A service cannot ask for it
 * (moby #41371), so berth requires the nodes' daemons to (`"no-new-privileges": true` in daemon.json, or
 * `dockerd --no-new-privileges`). Checked for real: a global job runs `cat /proc/self/status` from `image` once on every
 * node, and each node's task output must say `NoNewPrivs: 1`. The job is removed afterwards, whatever happened.
 */
export async function checkNodes(docker: Dockerode, r: DockerRequests, o: { domain: string; image: string; timeoutMs: number }): Promise<NodeCheck[]> {
  const nodes = ((await r.request('list nodes', (abortSignal) => docker.listNodes({ abortSignal } as {}))) as SwarmNode[]).filter(
    (n) => n.Status?.State === 'ready' && n.Spec?.Availability !== 'drain',
  );
  const name = `berth-probe-${randomBytes(4).toString('hex')}`;
  const created = (await r.request('create check service', () =>
    docker.createService({
      Name: name,
      Labels: { [PROBE_LABEL]: o.domain },
      TaskTemplate: {
        ContainerSpec: { Image: o.image, Command: ['cat', '/proc/self/status'], Labels: { [PROBE_LABEL]: o.domain } },
        RestartPolicy: { Condition: 'none' },
        Resources: { Limits: { MemoryBytes: 32 * 1024 * 1024, NanoCPUs: 250_000_000 } },
        LogDriver: { Name: 'json-file' },
      },
      Mode: { GlobalJob: {} },
    } as unknown as Dockerode.CreateServiceOptions),
  )) as unknown as { id?: string; ID?: string };
  const id = (created.id ?? created.ID)!;
  try {
    const deadline = Date.now() + o.timeoutMs;
    let tasks: SwarmTask[] = [];
    for (;;) {
      tasks = (await r.request('list tasks', (abortSignal) => docker.listTasks({ filters: { service: [id] }, abortSignal }))) as SwarmTask[];
      const settled = nodes.every((n) => tasks.some((t) => t.NodeID === n.ID && ['complete', 'failed', 'rejected'].includes(t.Status.State)));
      if (settled || Date.now() >= deadline) break;
      await new Promise((res) => setTimeout(res, POLL_MS));
    }
    return await Promise.all(nodes.map((n) => checkNode(docker, r, n, tasks.filter((t) => t.NodeID === n.ID))));
  } finally {
    await r.tolerate([404], 'remove check service', (abortSignal) => docker.getService(id).remove({ abortSignal } as {}));
  }
}

async function checkNode(docker: Dockerode, r: DockerRequests, node: SwarmNode, tasks: SwarmTask[]): Promise<NodeCheck> {
  const hostname = node.Description?.Hostname ?? node.ID;
  const task = tasks.find((t) => t.Status.State === 'complete') ?? tasks[0];
  if (!task || task.Status.State !== 'complete') {
    const why = task ? `${task.Status.State}${task.Status.Err ? `: ${task.Status.Err}` : ''}` : 'no task ran there in time';
    return { node: hostname, ok: false, problem: `the check did not run on it (${why})` };
  }
  // GET /tasks/{id}/logs: dockerode has no method for it; its modem dials it as it does a service's logs.
  const buf = await r.request('check task logs', (abortSignal) => dialTaskLogs(docker, task.ID, abortSignal));
  const status = demuxLogs(buf);
  const match = /^NoNewPrivs:\s*(\d)/m.exec(status);
  if (!match) return { node: hostname, ok: false, problem: 'the check could not read NoNewPrivs from /proc/self/status' };
  if (match[1] !== '1') return { node: hostname, ok: false, problem: 'its daemon does not enforce no-new-privileges (set "no-new-privileges": true in its daemon.json)' };
  return { node: hostname, ok: true };
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
