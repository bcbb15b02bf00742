import { describe, expect, it } from 'vitest';
import type { ContainerSpec } from '../../src/engine/engine.js';
import type { SwarmService, SwarmTask } from '../../src/engine/swarm-api.js';
import { differences } from '../../src/engine/swarm-event-client.js';
import { IMAGE_ID_LABEL, serviceName, toServiceSpec } from '../../src/engine/swarm-service-spec.js';
import { currentTask, toServiceRecord } from '../../src/engine/to-service-record.js';

const spec: ContainerSpec = {
  engineName: 'd.w1',
  imageId: 'sha256:abc',
  env: ['A=1'],
  labels: { 'berth.domain': 'd', 'berth.name': 'w1', 'berth.image': 'app' },
  extraHosts: ['host.docker.internal:host-gateway'],
  network: 'net-id',
  sandbox: {
    user: '65534:65534', memory: 256 * 1024 ** 2, nanoCpus: 5e8, pids: 64, nofile: 1024, readOnlyRootfs: true, tmpfsSize: 64 * 1024 ** 2,
    capAdd: [], noNewPrivileges: true, restartPolicy: 'unless-stopped', logMaxSize: 1024 ** 2, logMaxFiles: 3,
  },
  volumes: [],
};

function service(replicas: number): SwarmService {
  return { ID: 's1', Version: { Index: 7 }, CreatedAt: '2026-11-29T10:00:00Z', UpdatedAt: '2026-11-29T10:00:00Z', Spec: toServiceSpec(spec, 'reg:5000/berth/d/app@sha256:def', 10, replicas as 0 | 1) };
}

function task(id: string, created: string, desired: string, state: string, extra: Partial<SwarmTask['Status']> = {}): SwarmTask {
  return { ID: id, CreatedAt: created, ServiceID: 's1', NodeID: 'n1', DesiredState: desired, Status: { State: state, Timestamp: created, ...extra } };
}

describe('a container as a Swarm service', () => {
  it('the spec: one service, the sandbox where Swarm has it, the image by digest, no network, never privileged', () => {
    const s = toServiceSpec(spec, 'reg:5000/berth/d/app@sha256:def', 10, 0);
    expect(s.Name).toMatch(/^d-w1-[0-9a-f]{8}$/);
    expect(serviceName('a.b.w1')).not.toBe(serviceName('a-b.w1'));
    expect(serviceName(`${'x'.repeat(100)}.w1`).length).toBeLessThanOrEqual(63);
    expect(s.Mode.Replicated?.Replicas).toBe(0);
    expect(s.Labels?.[IMAGE_ID_LABEL]).toBe('sha256:abc');
    const cs = s.TaskTemplate.ContainerSpec;
    expect(cs).toMatchObject({ Image: 'reg:5000/berth/d/app@sha256:def', User: '65534:65534', ReadOnly: true, CapabilityDrop: ['ALL'], CapabilityAdd: [], StopGracePeriod: 10e9 });
    expect(cs.Mounts).toEqual([{ Type: 'tmpfs', Target: '/tmp', TmpfsOptions: { SizeBytes: 64 * 1024 ** 2, Mode: 0o1777 } }]);
    expect(s.TaskTemplate.Resources?.Limits).toEqual({ MemoryBytes: 256 * 1024 ** 2, NanoCPUs: 5e8, Pids: 64 });
    expect(s.TaskTemplate.RestartPolicy?.Condition).toBe('any');
    expect(s.TaskTemplate.Networks).toEqual([]);
    expect(JSON.stringify(s)).not.toMatch(/Privileged|Bind|host-gateway/);
  });

  it('the current task is the one Swarm wants running, else the newest', () => {
    const old = task('t1', '2026-11-29T10:00:01Z', 'shutdown', 'failed');
    const now = task('t2', '2026-11-29T10:00:05Z', 'running', 'running');
    expect(currentTask([old, now])?.ID).toBe('t2');
    expect(currentTask([old])?.ID).toBe('t1');
  });

  it('states: created, restarting, running, exited, in Docker words', () => {
    const running = task('t1', '2026-11-29T10:00:01Z', 'running', 'running', { ContainerStatus: { ContainerID: 'c1', ExitCode: 0 } });
    expect(toServiceRecord(service(0), [], () => undefined).state).toBe('created');
    // Stopped, and Swarm has deleted its tasks since: still exited, never taken for a half-made create.
    const stoppedLong = service(0);
    stoppedLong.Spec.Labels = { ...stoppedLong.Spec.Labels, 'berth.started': 'true' };
    expect(toServiceRecord(stoppedLong, [], () => undefined).state).toBe('exited');
    expect(toServiceRecord(service(1), [task('t1', '2026-11-29T10:00:01Z', 'running', 'preparing')], () => undefined).state).toBe('restarting');
    const r = toServiceRecord(service(1), [running], (id) => (id === 'n1' ? 'node-1' : undefined));
    expect(r).toMatchObject({ state: 'running', startedAt: '2026-11-29T10:00:01Z', exitCode: 0, imageId: 'sha256:abc', name: 'w1', engineName: 'd.w1', swarm: { task: 't1', node: 'node-1', container: 'c1' } });
    const stopped = task('t1', '2026-11-29T10:00:09Z', 'shutdown', 'shutdown', { ContainerStatus: { ContainerID: 'c1', ExitCode: 143 } });
    expect(toServiceRecord(service(0), [stopped], () => undefined)).toMatchObject({ state: 'exited', exitCode: 143, finishedAt: '2026-11-29T10:00:09Z' });
  });
});

describe('swarm changes as container events', () => {
  const seen = (running: boolean, task = 't1', replicas = 1, version = 1) => ({ version, replicas, task, running });
  it('create and start, die and stop, a task moved to another node, destroy', () => {
    expect(differences(new Map(), new Map([['s', seen(false, undefined as never, 0)]]))).toEqual([{ id: 's', action: 'create' }]);
    expect(differences(new Map([['s', seen(false)]]), new Map([['s', seen(true)]]))).toEqual([{ id: 's', action: 'start' }]);
    expect(differences(new Map([['s', seen(true)]]), new Map([['s', seen(false, 't1', 0, 2)]]))).toEqual([
      { id: 's', action: 'die' },
      { id: 's', action: 'stop' },
    ]);
    expect(differences(new Map([['s', seen(true, 't1')]]), new Map([['s', seen(true, 't2')]]))).toEqual([
      { id: 's', action: 'die' },
      { id: 's', action: 'start' },
    ]);
    expect(differences(new Map([['s', seen(true)]]), new Map())).toEqual([
      { id: 's', action: 'die' },
      { id: 's', action: 'destroy' },
    ]);
    expect(differences(new Map([['s', seen(false, 't1', 1, 1)]]), new Map([['s', seen(false, 't1', 1, 2)]]))).toEqual([{ id: 's', action: 'update' }]);
  });
});

describe('the swarm engine behind the Engine seam', () => {
  it('has every method the one-engine adapter has (a missing one would only fail when called)', async () => {
    const Dockerode = (await import('dockerode')).default;
    const { DockerEngine } = await import('../../src/engine/docker-engine.js');
    const { SwarmEngine } = await import('../../src/engine/swarm-engine.js');
    const docker = new Dockerode({ socketPath: '/nonexistent.sock' });
    const methods = (o: object) => Object.getOwnPropertyNames(o).filter((k) => typeof (o as Record<string, unknown>)[k] === 'function').sort();
    const one = new DockerEngine(docker);
    const swarm = new SwarmEngine(docker, { registry: 'r:5000', pollMs: 1000, stopGraceSeconds: 10, startTimeoutMs: 1000, nodes: {} });
    // The exec client's own helpers (inspect, exitCode, killProcesses) come along with its prototype; swarm has startExec.
    const { DockerExecClient } = await import('../../src/engine/docker-exec-client.js');
    const execHelpers = Object.getOwnPropertyNames(DockerExecClient.prototype).filter((k) => k !== 'startExec');
    // setRestartPolicy is optional and for one engine only: a swarm never has a replacement on probation (rolling update).
    const oneEngineOnly = ['setRestartPolicy'];
    const missing = methods(one).filter((m) => !execHelpers.includes(m) && !oneEngineOnly.includes(m) && typeof (swarm as unknown as Record<string, unknown>)[m] !== 'function');
    expect(missing).toEqual([]);
    expect(methods(one).length).toBeGreaterThan(30);
  });
});

describe('following the swarm by looking', () => {
  it('a poke looks again at once, after a look in progress, and resolves once the change is told', async () => {
    const { SwarmEventClient: Client } = await import('../../src/engine/swarm-event-client.js');
    const { DockerRequests } = await import('../../src/engine/docker-requests.js');
    let services: SwarmService[] = [];
    let tasks: SwarmTask[] = [];
    let looks = 0;
    const fake = {
      listServices: async () => (looks++, structuredClone(services)),
      listTasks: async () => structuredClone(tasks),
    };
    const client = new Client(fake as never, new DockerRequests(fake as never), 60_000);
    const events: string[] = [];
    const sub = await client.watchContainers('d', (e) => events.push(e.action), () => events.push('end'));
    services = [service(1)];
    tasks = [task('t1', '2026-11-29T10:00:01Z', 'running', 'running')];
    await client.poke();
    expect(events).toEqual(['create', 'start']);
    services = [service(0)];
    tasks = [task('t1', '2026-11-29T10:00:01Z', 'shutdown', 'shutdown')];
    const [a, b] = [client.poke(), client.poke()];
    await Promise.all([a, b]);
    expect(events).toEqual(['create', 'start', 'die', 'stop']);
    services = [];
    await client.poke();
    expect(events.at(-1)).toBe('destroy');
    expect(looks).toBeLessThanOrEqual(6);
    sub.close();
  });
});

describe('a service removed between listing services and their tasks', () => {
  it('the look is taken again instead of ending the event stream', async () => {
    const { SwarmEventClient: Client } = await import('../../src/engine/swarm-event-client.js');
    const { DockerRequests } = await import('../../src/engine/docker-requests.js');
    let services: SwarmService[] = [service(1)];
    let raced = false;
    const fake = {
      listServices: async () => structuredClone(services),
      listTasks: async () => {
        if (!raced) {
          raced = true;
          services = [];
          throw Object.assign(new Error('service s1 not found'), { statusCode: 404, json: { message: 'service s1 not found' } });
        }
        return [];
      },
    };
    const client = new Client(fake as never, new DockerRequests(fake as never), 60_000);
    const events: string[] = [];
    services = [];
    const sub = await client.watchContainers('d', (e) => events.push(e.action), (err) => events.push(`end ${err?.message}`));
    services = [service(1)];
    raced = false;
    await client.poke();
    expect(events).toEqual([]);
    expect(raced).toBe(true);
    sub.close();
  });
});

describe('removing a stopped service', () => {
  it('waits until Swarm\'s task reaper has deleted the tasks marked for removal, then removes the service and its network', async () => {
    const { SwarmServiceClient } = await import('../../src/engine/swarm-service-client.js');
    const { DockerRequests } = await import('../../src/engine/docker-requests.js');
    const calls: string[] = [];
    let looks = 0;
    const fake = {
      getService: () => ({
        inspect: async () => structuredClone(service(0)),
        remove: async () => void calls.push('remove service'),
      }),
      // The reaper deletes the stopped task after two looks (a docker 20.10 manager panics on a removal meanwhile).
      listTasks: async () => (++looks <= 2 ? [task('t1', '2026-11-29T10:00:01Z', 'remove', 'shutdown')] : []),
    };
    const client = new SwarmServiceClient(fake as never, new DockerRequests(fake as never), {
      imageReference: async () => 'r',
      stopGraceSeconds: 10,
      startTimeoutMs: 1000,
      nodes: {} as never,
      networks: { remove: async () => void calls.push('remove network') } as never,
      changed: async () => void calls.push('changed'),
    });
    await client.removeContainer('s1');
    expect(looks).toBe(3);
    expect(calls).toEqual(['remove service', 'changed', 'remove network']);
  });
});
