import type { ContainerRecord } from './engine.js';
import { engineContainerName, LABELS } from './labels.js';
import type { SwarmService, SwarmTask } from './swarm-api.js';
import { IMAGE_ID_LABEL, STARTED_LABEL } from './swarm-service-spec.js';

/** Task states before its container runs (the scheduler's and the node's), and those after it ended. */
const PENDING = new Set(['new', 'allocated', 'pending', 'assigned', 'accepted', 'preparing', 'ready', 'starting']);
const ENDED = new Set(['complete', 'failed', 'shutdown', 'rejected', 'orphaned', 'remove']);
const RESTART_BACK: Readonly<Record<string, string>> = { none: 'no', 'on-failure': 'on-failure', any: 'unless-stopped' };

/**
 * The task that stands for the service now: the newest one whose container runs (during a stop-first update or a
 * scale to 0 the old task still runs until it has stopped), else the newest one Swarm wants running (being scheduled,
 * pulled or started), else the newest (a stopped service's last task). Older tasks are Swarm's history.
 */
export function currentTask(tasks: readonly SwarmTask[]): SwarmTask | undefined {
  const newest = [...tasks].sort((a, b) => b.CreatedAt.localeCompare(a.CreatedAt));
  return newest.find((t) => t.Status.State === 'running') ?? newest.find((t) => t.DesiredState === 'running' || t.DesiredState === 'ready') ?? newest[0];
}

/**
 * A service and its tasks as a container record: the state is the current task's, in Docker's container
 * words: `running`; `restarting` while it is scaled to 1 and its task does not run (Swarm schedules, pulls, or replaces a
 * task that ended); `exited` once scaled to 0 (stopped); `created` for one never started (scaled to 0, no task ever).
 * `swarm` says which task and node.
 */
export function toServiceRecord(service: SwarmService, tasks: readonly SwarmTask[], nodeName: (id: string) => string | undefined): ContainerRecord {
  const spec = service.Spec;
  const cs = spec.TaskTemplate.ContainerSpec;
  const labels = spec.Labels ?? {};
  const replicas = spec.Mode.Replicated?.Replicas ?? 0;
  const task = currentTask(tasks.filter((t) => t.ServiceID === service.ID));
  const taskState = task?.Status.State ?? '';
  let state: string;
  if (taskState === 'running') state = 'running';
  // Scaled to 1 and not running: Swarm is starting (pulling, scheduling) or replacing its task.
  else if (replicas > 0) state = 'restarting';
  // Scaled to 0 (stopped): exited once ever started (its tasks may be deleted by Swarm meanwhile); else created.
  else state = task || labels[STARTED_LABEL] ? 'exited' : 'created';
  const started = Boolean(task?.Status.ContainerStatus?.ContainerID) && taskState !== '' && !PENDING.has(taskState);
  const limits = spec.TaskTemplate.Resources?.Limits ?? {};
  const tmpfs = Object.fromEntries((cs.Mounts ?? []).filter((m) => m.Type === 'tmpfs').map((m) => [m.Target, `size=${m.TmpfsOptions?.SizeBytes ?? 0}`]));
  return {
    id: service.ID,
    // What berth calls it everywhere (`D.<name>`); the service's own name is a DNS label made from it (swarm.service).
    engineName: labels[LABELS.domain] && labels[LABELS.name] ? engineContainerName(labels[LABELS.domain]!, labels[LABELS.name]!) : spec.Name,
    name: labels[LABELS.name] ?? spec.Name,
    domain: labels[LABELS.domain] ?? '',
    image: labels[LABELS.image] ?? cs.Image,
    imageId: labels[IMAGE_ID_LABEL] ?? '',
    state,
    created: service.CreatedAt,
    startedAt: taskState === 'running' ? (task?.Status.Timestamp ?? null) : null,
    finishedAt: started && ENDED.has(taskState) ? (task?.Status.Timestamp ?? null) : null,
    exitCode: started ? (task?.Status.ContainerStatus?.ExitCode ?? 0) : null,
    restarting: state === 'restarting',
    // Swarm does not say; the task's error does ("OOM killed" is not one of its words on 20.10).
    oomKilled: false,
    health: null,
    labels,
    env: cs.Env ?? [],
    cmd: cs.Args ?? null,
    entrypoint: cs.Command ?? null,
    workingDir: cs.Dir ?? '',
    user: cs.User ?? '',
    resources: {
      memory: limits.MemoryBytes || null,
      memorySwap: null,
      nanoCpus: limits.NanoCPUs || null,
      pidsLimit: limits.Pids || null,
      restartPolicy: RESTART_BACK[spec.TaskTemplate.RestartPolicy?.Condition ?? 'any'] ?? 'unless-stopped',
      readonlyRootfs: cs.ReadOnly ?? false,
      capDrop: cs.CapabilityDrop ?? [],
      capAdd: cs.CapabilityAdd ?? [],
      // Not a service setting: every node's daemon enforces it (checked when berth starts).
      securityOpt: ['no-new-privileges (node daemon)'],
      privileged: false,
      networkMode: (spec.TaskTemplate.Networks ?? []).map((n) => n.Target).join(',') || 'docker_gwbridge',
      pidMode: 'private',
      ipcMode: 'private',
      tmpfs,
      ulimits: (cs.Ulimits ?? []).map((u) => ({ name: u.Name, soft: u.Soft, hard: u.Hard })),
      log: { type: spec.TaskTemplate.LogDriver?.Name ?? '', config: spec.TaskTemplate.LogDriver?.Options ?? {} },
      mounts: (cs.Mounts ?? []).filter((m) => m.Type === 'volume').map((m) => `volume:${m.Source ?? ''}:${m.Target}`),
    },
    swarm: {
      service: spec.Name,
      task: task?.ID ?? null,
      node: task?.NodeID ? (nodeName(task.NodeID) ?? task.NodeID) : null,
      container: task?.Status.ContainerStatus?.ContainerID ?? null,
    },
  };
}
