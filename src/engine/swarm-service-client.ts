import type Dockerode from 'dockerode';
import { BerthError, failures, isBerthError } from '../errors.js';
import { demuxLogs } from './demux-logs.js';
import type { DockerRequests } from './docker-requests.js';
import { EngineError, hasStatus } from './engine-error.js';
import type { ContainerClient, ContainerRecord, ContainerSpec, ContainerSummary, ContainerUsage, LogLine, LogStream, ProcessTable } from './engine.js';
import { domainFilter, LABELS } from './labels.js';
import type { SwarmNetworks } from './swarm-networks.js';
import { followLogStream } from './follow-log-stream.js';
import { listServicesAndTasks } from './swarm-listing.js';
import type { SwarmNodes } from './swarm-nodes.js';
import type { SwarmService, SwarmServiceSpec, SwarmTask } from './swarm-api.js';
import { IMAGE_ID_LABEL, serviceName, STARTED_LABEL, toServiceSpec } from './swarm-service-spec.js';
import { currentTask, toServiceRecord } from './to-service-record.js';

const POLL_MS = 250;
/** How long a remove waits for Swarm's task reaper to delete a stopped service's tasks. */
const REAP_WAIT_MS = 15_000;

export interface SwarmServiceOptions {
  /** The digest reference (`registry/repo@sha256:…`) every node pulls for a local image ID. */
  readonly imageReference: (imageId: string) => Promise<string>;
  readonly stopGraceSeconds: number;
  /** How long a start may take (scheduling, the pull on a node that lacks the image, the container's start). */
  readonly startTimeoutMs: number;
  readonly nodes: SwarmNodes;
  readonly networks: SwarmNetworks;
  /** After berth itself changed a service: look at the swarm now (swarm-event-client.ts), so no change is missed. */
  readonly changed: () => Promise<void>;
}

/**
 * Containers as Swarm services (engine: swarm): the ContainerClient seam over the manager's service and task
 * API. A container is a one-replica service named `D.<name>`: created with 0 replicas, started by scaling to 1, stopped
 * by scaling to 0, restarted by a forced update; start, stop and restart answer once the task runs (or ended).
 */
export class SwarmServiceClient implements ContainerClient {
  constructor(
    private readonly docker: Dockerode,
    private readonly r: DockerRequests,
    private readonly o: SwarmServiceOptions,
  ) {}

  async fetchContainerIds(domain: string): Promise<string[]> {
    return (await this.services(domain)).map((s) => s.ID);
  }

  async fetchContainerSummaries(domain: string): Promise<ContainerSummary[]> {
    const { services, tasks } = await listServicesAndTasks(this.docker, this.r, domain);
    return services.map((s) => {
      const record = toServiceRecord(s, tasks, () => undefined);
      return { id: s.ID, engineName: record.engineName, state: record.state, labels: s.Spec.Labels ?? {} };
    });
  }

  /** By service ID, or by the container's engine name `D.<name>`. */
  async fetchContainer(idOrName: string): Promise<ContainerRecord | undefined> {
    const service = (await this.service(idOrName)) ?? (idOrName.includes('.') ? await this.service(serviceName(idOrName)) : undefined);
    if (!service) return undefined;
    // Removed since it was read: gone, as a container removed between two requests is.
    const tasks = await this.tasks({ service: [service.ID] }).catch((err: unknown) => {
      if (isBerthError(err, 'not_found')) return undefined;
      throw err;
    });
    if (!tasks) return undefined;
    const task = currentTask(tasks);
    if (task?.NodeID) await this.o.nodes.refreshIfUnknown(task.NodeID);
    return toServiceRecord(service, tasks, (id) => this.o.nodes.hostname(id));
  }

  /** The service (0 replicas) on an overlay network of its own (swarm-networks.ts); neither is left if this fails. */
  async createContainer(spec: ContainerSpec): Promise<string> {
    const image = await this.o.imageReference(spec.imageId);
    const name = serviceName(spec.engineName);
    if (await this.service(name)) throw new EngineError('in_use', `service ${name} (${spec.engineName}) already exists`, 409);
    const network = await this.o.networks.ensure(name, { [LABELS.domain]: spec.labels[LABELS.domain] ?? '', [LABELS.name]: spec.labels[LABELS.name] ?? '' });
    try {
      const created = (await this.r.request('create service', () =>
        this.docker.createService(toServiceSpec(spec, image, this.o.stopGraceSeconds, 0, network) as unknown as Dockerode.CreateServiceOptions),
      )) as unknown as { id?: string; ID?: string };
      const id = created.id ?? created.ID;
      if (!id) throw new BerthError('internal', `the swarm manager created service ${spec.engineName} but did not say its ID`);
      return id;
    } catch (err) {
      await this.o.networks.remove(name).catch(() => undefined);
      throw err;
    }
  }

  async startContainer(id: string): Promise<void> {
    const before = await this.taskIds(id);
    const service = await this.update(id, (spec) => {
      (spec.Mode.Replicated ??= {}).Replicas = 1;
      spec.Labels = { ...spec.Labels, [STARTED_LABEL]: 'true' };
    });
    await this.awaitStarted(service, before);
    await this.o.changed();
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    const service = await this.update(id, (spec) => ((spec.Mode.Replicated ??= {}).Replicas = 0), [404]);
    if (!service) return;
    await this.waitFor(service.ID, 'stop', (tasks) => tasks.every((t) => !['running', 'starting', 'preparing'].includes(t.Status.State)), (timeoutSeconds + 30) * 1000);
    await this.o.changed();
  }

  async restartContainer(id: string): Promise<void> {
    const before = await this.taskIds(id);
    const service = await this.update(id, (spec) => {
      (spec.Mode.Replicated ??= {}).Replicas = 1;
      spec.Labels = { ...spec.Labels, [STARTED_LABEL]: 'true' };
      spec.TaskTemplate.ForceUpdate = (spec.TaskTemplate.ForceUpdate ?? 0) + 1;
    });
    await this.awaitStarted(service, before);
    await this.o.changed();
  }

  /**
   * updateImage and rollback with containers on a swarm: Swarm's own rolling update, start-first (the new task runs
   * before the old one is stopped; with a health check Swarm counts it as running only once it is healthy), watched for
   * `monitorMs`, rolled back by Swarm on failure. The service keeps its ID, name, replicas and ticket.
   */
  async updateContainer(id: string, spec: ContainerSpec, monitorMs: number): Promise<void> {
    const image = await this.o.imageReference(spec.imageId);
    const since = new Date(Date.now() - 1000).toISOString();
    const service = await this.update(id, (current) => {
      const next = toServiceSpec(spec, image, this.o.stopGraceSeconds, 0);
      current.Labels = { ...next.Labels, ...(current.Labels?.[STARTED_LABEL] ? { [STARTED_LABEL]: current.Labels[STARTED_LABEL] } : {}) };
      current.TaskTemplate = { ...next.TaskTemplate, ForceUpdate: current.TaskTemplate.ForceUpdate ?? 0 };
      current.UpdateConfig = { Parallelism: 1, Order: 'start-first', FailureAction: 'rollback', Monitor: monitorMs * 1e6, MaxFailureRatio: 0 };
      current.RollbackConfig = { Parallelism: 1, Order: 'start-first', FailureAction: 'pause', Monitor: 0 };
    });
    const name = service!.Spec.Name;
    const deadline = Date.now() + this.o.startTimeoutMs + monitorMs + this.o.stopGraceSeconds * 1000;
    for (;;) {
      const now = await this.service(id);
      if (!now) throw new BerthError('not_found', `service ${name} was removed during its update`);
      const u = now.UpdateStatus;
      const current = u && (u.StartedAt ?? '') >= since;
      // Nothing to roll (0 replicas) or done.
      if (((now.Spec.Mode.Replicated?.Replicas ?? 0) === 0 && !current) || (current && u.State === 'completed')) return await this.o.changed();
      // Swarm rolls back by itself (rollback_started); the answer waits until the old image runs again.
      if (current && u.State && /^(paused|rollback_completed|rollback_paused)$/.test(u.State)) {
        const tasks = await this.tasks({ service: [now.ID] });
        const failed = [...tasks].sort((a, b) => b.CreatedAt.localeCompare(a.CreatedAt)).find((t) => t.CreatedAt >= since && t.Status.Err);
        const reason = [u.Message, failed?.Status.Err].filter(Boolean).join(': ') || u.State;
        throw new BerthError('replacement_failed', `replacing container ${name} failed: ${reason}; the swarm rolled it back to its old image`, replacementKwargs(name, reason));
      }
      if (Date.now() >= deadline) throw new BerthError('replacement_failed', `replacing container ${name} did not finish in time (update ${u?.State ?? 'not started'})`, replacementKwargs(name, 'timeout'));
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  async renameContainer(): Promise<void> {
    // Swarm cannot rename a service; updateImage and rollback with containers update the service's image instead.
    throw failures.notOnSwarm('renaming a container');
  }

  /** The service, then its network (once Swarm has taken the task off it). */
  async removeContainer(id: string): Promise<void> {
    const service = await this.service(id);
    if (!service) return;
    // A stopped service's tasks are marked for removal, and Swarm's task reaper deletes them once they have ended.
    // Removing the service meanwhile races with the reaper, and a docker 20.10 manager then panics (swarmkit's
    // SetServiceTasksRemove updates a task the reaper has just deleted: found by the bench's 200 removes). So the
    // service goes once the reaper is done with them (bounded; past the bound it goes anyway).
    await this.waitFor(id, 'reap the tasks of', (tasks) => tasks.every((t) => t.DesiredState !== 'remove'), REAP_WAIT_MS).catch(() => undefined);
    await this.r.tolerate([404], 'remove service', (abortSignal) => this.docker.getService(id).remove({ abortSignal }));
    await this.o.changed();
    await this.o.networks.remove(service.Spec.Name);
  }

  async fetchLogs(id: string, tail: number): Promise<string> {
    const buf = await this.r.request('service logs', (abortSignal) =>
      this.docker.getService(id).logs({ stdout: true, stderr: true, follow: false, tail, abortSignal } as {}),
    );
    return demuxLogs(buf as unknown as Buffer);
  }

  async followLogs(id: string, options: { sinceSeconds: number; maxLineBytes: number }, onLine: (line: LogLine) => void): Promise<LogStream> {
    const stream = (await this.r.request('follow service logs', () =>
      this.docker.getService(id).logs({ follow: true, stdout: true, stderr: true, timestamps: true, since: Math.floor(options.sinceSeconds) } as {}),
    )) as unknown as NodeJS.ReadableStream & { destroy(): void };
    return followLogStream(stream, options.maxLineBytes, onLine);
  }

  async fetchUsage(id: string): Promise<ContainerUsage> {
    const at = await this.onNode(id, 'stats');
    return at.engine.fetchUsage(at.container);
  }

  async fetchProcesses(id: string): Promise<ProcessTable> {
    const at = await this.onNode(id, 'top');
    return at.engine.fetchProcesses(at.container);
  }

  async fetchContainersUsingImage(imageId: string): Promise<string[]> {
    const list = (await this.r.request('list services', (abortSignal) => this.docker.listServices({ abortSignal } as {}))) as unknown as SwarmService[];
    return list.filter((s) => s.Spec.Labels?.[IMAGE_ID_LABEL] === imageId).map((s) => s.ID);
  }

  /** The running task's container and its node's engine (swarm.nodes), for what only that engine answers. */
  private async onNode(id: string, what: string) {
    const record = await this.fetchContainer(id);
    const node = record?.swarm?.node;
    const container = record?.swarm?.container;
    if (!record || record.state !== 'running' || !node || !container) throw failures.notRunning(record?.name ?? id, record?.state ?? 'gone');
    return { engine: this.o.nodes.engine(node, what), container };
  }

  private async services(domain: string): Promise<SwarmService[]> {
    return (await this.r.request('list services', (abortSignal) =>
      this.docker.listServices({ filters: { label: [domainFilter(domain)] }, abortSignal } as {}),
    )) as unknown as SwarmService[];
  }

  private async service(idOrName: string): Promise<SwarmService | undefined> {
    try {
      return (await this.r.request('inspect service', (abortSignal) => this.docker.getService(idOrName).inspect({ abortSignal } as {}))) as unknown as SwarmService;
    } catch (err) {
      if (err instanceof BerthError && err.code === 'not_found') return undefined;
      throw err;
    }
  }

  private async tasks(filters: Record<string, string[]>): Promise<SwarmTask[]> {
    return (await this.r.request('list tasks', (abortSignal) => this.docker.listTasks({ filters, abortSignal }))) as SwarmTask[];
  }

  /**
   * Change a service's spec (read, change, write with its version); a concurrent change (the version moved on) is read
   * again and retried. Returns the service as written, or undefined when it is gone and 404 is tolerated.
   */
  private async update(id: string, change: (spec: SwarmServiceSpec) => void, tolerate: number[] = []): Promise<SwarmService | undefined> {
    for (let attempt = 0; ; attempt++) {
      const service = await this.service(id);
      if (!service) {
        if (tolerate.includes(404)) return undefined;
        throw new BerthError('not_found', `no service ${id} on the swarm`);
      }
      const spec = structuredClone(service.Spec);
      change(spec);
      try {
        await this.r.request('update service', (abortSignal) =>
          this.docker.getService(service.ID).update({ _query: { version: service.Version.Index }, _body: spec, abortSignal } as {}),
        );
        return { ...service, Spec: spec };
      } catch (err) {
        // "update out of sequence": someone else changed it since it was read.
        if (attempt < 3 && (hasStatus(err, 500) || hasStatus(err, 409)) && /out of sequence/i.test((err as Error).message)) continue;
        throw err;
      }
    }
  }

  /** The IDs of the service's tasks now (those a start or restart must not take for its new one). */
  private async taskIds(id: string): Promise<Set<string>> {
    const service = await this.service(id);
    return new Set(service ? (await this.tasks({ service: [service.ID] })).map((t) => t.ID) : []);
  }

  /**
   * Until a task that was not there before (`before`) runs, or ran and ended (a command that exits at once is started,
   * as `docker start` says); a task the node rejects (no such image on it, no room) fails at once with the node's reason.
   */
  private async awaitStarted(service: SwarmService | undefined, before: ReadonlySet<string>): Promise<void> {
    if (!service) return;
    await this.waitFor(service.ID, 'start', (tasks) => {
      const fresh = tasks.filter((t) => !before.has(t.ID));
      const rejected = fresh.find((t) => t.Status.State === 'rejected');
      if (rejected) throw taskFailed(service.Spec.Name, rejected);
      return fresh.some((t) => t.Status.State === 'running' || (Boolean(t.Status.ContainerStatus?.ContainerID) && ['complete', 'failed', 'shutdown'].includes(t.Status.State)));
    }, this.o.startTimeoutMs);
  }

  private async waitFor(id: string, what: string, done: (tasks: SwarmTask[]) => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: SwarmTask | undefined;
    for (;;) {
      const tasks = await this.tasks({ service: [id] });
      if (done(tasks)) return;
      last = currentTask(tasks) ?? last;
      if (Date.now() >= deadline) {
        const state = last ? `its task is ${last.Status.State}${last.Status.Err ? `: ${last.Status.Err}` : last.Status.Message ? ` (${last.Status.Message})` : ''}` : 'it has no task';
        throw new BerthError('internal', `the swarm did not ${what} service ${id} within ${Math.round(timeoutMs / 1000)} s: ${state}`);
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }
}

/** The kwargs replacement_failed has on one engine; Swarm does not give the exit code, health or logs of its attempt. */
function replacementKwargs(service: string, reason: string) {
  return { name: service.slice(service.lastIndexOf('.') + 1), reason, exitCode: null, health: null, healthCheck: null, logs: [] };
}

function taskFailed(name: string, task: SwarmTask): BerthError {
  return new BerthError('internal', `the swarm could not start ${name}: ${task.Status.Err ?? task.Status.Message ?? task.Status.State}`, { task: task.ID });
}
