import Dockerode from 'dockerode';
import { BerthError } from '../errors.js';
import { demuxLogs } from './demux-logs.js';
import type {
  BuildSpec,
  ContainerRecord, ContainerSpec, ContainerUsage, Engine, EngineEvent, EventSubscription, ImageRecord, ProcessTable,
} from './engine.js';
import { readEngineStream } from './build-stream.js';
import { engineMessage, statusOf, translateEngineError } from './engine-error.js';
import { domainFilter, LABELS } from './labels.js';

const ZERO_TIME = '0001-01-01T00:00:00Z';
/** Every request to the engine has a deadline; a hung engine reads as unavailable. */
const REQUEST_TIMEOUT_MS = 30_000;
/** The CFS period of build containers; the quota is cpus × this. */
const CPU_PERIOD_US = 100_000;
/** Actions that do not change what berth shows about a container. */
const MAX_EVENT_LINE = 64 * 1024;
const IGNORED_ACTIONS = /^(exec_|top$|attach$|resize$|archive-path$|extract-to-dir$|export$|commit$|copy$)/;

/** Build the dockerode client from `DOCKER_HOST`-style addresses (unix:///path, tcp://host:port). */
export function createDockerode(dockerHost: string | undefined): Dockerode {
  if (!dockerHost) return new Dockerode({ socketPath: process.env.DOCKER_HOST ? undefined : '/var/run/docker.sock' });
  const url = new URL(dockerHost);
  if (url.protocol === 'unix:') return new Dockerode({ socketPath: url.pathname });
  const protocol = url.protocol === 'https:' ? 'https' : 'http';
  return new Dockerode({ host: url.hostname, port: Number(url.port || (protocol === 'https' ? 2376 : 2375)), protocol });
}

export class DockerEngine implements Engine {
  constructor(private readonly docker: Dockerode) {}

  async ping(): Promise<void> {
    await this.request('ping', () => this.docker.ping(), 5_000);
  }

  async fetchContainerIds(domain: string): Promise<string[]> {
    const list = await this.request('list containers', (abortSignal) =>
      this.docker.listContainers({ all: true, filters: { label: [domainFilter(domain)] }, abortSignal }),
    );
    return list.map((c) => c.Id);
  }

  async fetchContainer(idOrName: string): Promise<ContainerRecord | undefined> {
    try {
      const info = await this.request('inspect container', (abortSignal) => this.docker.getContainer(idOrName).inspect({ abortSignal }));
      return toContainerRecord(info);
    } catch (err) {
      if (err instanceof BerthError && err.code === 'not_found') return undefined;
      throw err;
    }
  }

  async createContainer(spec: ContainerSpec): Promise<string> {
    const sb = spec.sandbox;
    const container = await this.request('create container', () =>
      this.docker.createContainer({
        name: spec.engineName,
        Image: spec.imageId,
        Env: [...spec.env],
        Labels: { ...spec.labels },
        User: sb.user,
        HostConfig: {
          // Never negotiable: no privileges, no host namespaces, no host mounts (so never the Docker socket).
          Privileged: false,
          PidMode: '',
          IpcMode: 'private',
          UTSMode: '',
          UsernsMode: '',
          Binds: [],
          Mounts: [],
          CapDrop: ['ALL'],
          CapAdd: [...sb.capAdd],
          SecurityOpt: sb.noNewPrivileges ? ['no-new-privileges:true'] : [],
          NetworkMode: spec.network,
          ExtraHosts: [...spec.extraHosts],
          Memory: sb.memory,
          MemorySwap: sb.memory,
          NanoCpus: sb.nanoCpus,
          PidsLimit: sb.pids,
          Ulimits: [{ Name: 'nofile', Soft: sb.nofile, Hard: sb.nofile }],
          ReadonlyRootfs: sb.readOnlyRootfs,
          Tmpfs: { '/tmp': `rw,nosuid,nodev,noexec,size=${sb.tmpfsSize},mode=1777` },
          RestartPolicy: { Name: sb.restartPolicy },
          LogConfig: { Type: 'json-file', Config: { 'max-size': String(sb.logMaxSize), 'max-file': String(sb.logMaxFiles) } },
        },
      }),
    );
    return container.id;
  }

  async ensureNetwork(name: string, labels: Readonly<Record<string, string>>, isolate: boolean): Promise<string> {
    const find = async () => {
      const list = await this.request('list networks', (abortSignal) => this.docker.listNetworks({ filters: { name: [name] }, abortSignal }));
      // The name filter matches substrings; engines may also hold duplicates (made concurrently): take the oldest.
      return list.filter((n) => n.Name === name).sort((a, b) => a.Created.localeCompare(b.Created))[0]?.Id;
    };
    const existing = await find();
    if (existing) return existing;
    try {
      const created = await this.request('create network', () =>
        this.docker.createNetwork({
          Name: name,
          Driver: 'bridge',
          CheckDuplicate: true,
          Labels: { ...labels },
          Options: { 'com.docker.network.bridge.enable_icc': String(!isolate) },
        }),
      );
      return created.id;
    } catch (err) {
      // 409: another berth made it first.
      if (statusOf((err as BerthError).cause) !== 409) throw err;
      const id = await find();
      if (!id) throw err;
      return id;
    }
  }

  async startContainer(id: string): Promise<void> {
    await this.tolerate([304], 'start container', (abortSignal) => this.docker.getContainer(id).start({ abortSignal }));
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    await this.tolerate([304], 'stop container', (abortSignal) => this.docker.getContainer(id).stop({ t: timeoutSeconds, abortSignal }), (timeoutSeconds + 30) * 1000);
  }

  async restartContainer(id: string, timeoutSeconds: number): Promise<void> {
    await this.request('restart container', (abortSignal) => this.docker.getContainer(id).restart({ t: timeoutSeconds, abortSignal }), (timeoutSeconds + 30) * 1000);
  }

  async renameContainer(id: string, engineName: string): Promise<void> {
    await this.request('rename container', (abortSignal) => this.docker.getContainer(id).rename({ name: engineName, abortSignal }));
  }

  async removeContainer(id: string): Promise<void> {
    await this.tolerate([404], 'remove container', (abortSignal) => this.docker.getContainer(id).remove({ force: true, v: true, abortSignal }));
  }

  async fetchLogs(id: string, tail: number): Promise<string> {
    const buf = await this.request('container logs', (abortSignal) =>
      this.docker.getContainer(id).logs({ stdout: true, stderr: true, follow: false, tail, abortSignal }),
    );
    return demuxLogs(buf as Buffer);
  }

  async fetchUsage(id: string): Promise<ContainerUsage> {
    const s = (await this.request('container stats', () =>
      this.docker.getContainer(id).stats({ stream: false }),
    )) as unknown as DockerStats;
    return toUsage(s);
  }

  async fetchProcesses(id: string): Promise<ProcessTable> {
    try {
      const top = (await this.request('container top', (abortSignal) => this.docker.getContainer(id).top({ abortSignal }))) as {
        Titles?: string[];
        Processes?: string[][];
      };
      return { titles: top.Titles ?? [], processes: top.Processes ?? [] };
    } catch (err) {
      // 409: the container is not running, so it has no processes.
      if (statusOf((err as BerthError).cause) === 409) return { titles: [], processes: [] };
      throw err;
    }
  }

  async fetchImages(domain: string): Promise<ImageRecord[]> {
    const list = await this.request('list images', (abortSignal) =>
      this.docker.listImages({ filters: { label: [domainFilter(domain)] }, abortSignal }),
    );
    return list
      .filter((i) => i.Labels?.[LABELS.name])
      .map((i) => ({
        id: i.Id,
        name: i.Labels[LABELS.name]!,
        created: new Date(i.Created * 1000).toISOString(),
        size: i.Size,
        labels: i.Labels,
        tags: (i.RepoTags ?? []).filter((t) => t !== '<none>:<none>'),
      }));
  }

  async fetchImage(id: string): Promise<ImageRecord | undefined> {
    try {
      const i = await this.request('inspect image', () => this.docker.getImage(id).inspect());
      const labels = i.Config?.Labels ?? {};
      return { id: i.Id, name: labels[LABELS.name] ?? i.RepoTags?.[0] ?? i.Id, created: i.Created, size: i.Size, labels, tags: i.RepoTags ?? [], env: i.Config?.Env ?? [] };
    } catch (err) {
      if (err instanceof BerthError && err.code === 'not_found') return undefined;
      throw err;
    }
  }

  async fetchContainersUsingImage(imageId: string): Promise<string[]> {
    const list = await this.request('list containers', (abortSignal) =>
      this.docker.listContainers({ all: true, filters: { ancestor: [imageId] }, abortSignal }),
    );
    return list.filter((c) => c.ImageID === imageId).map((c) => c.Id);
  }

  async removeImage(id: string): Promise<void> {
    await this.request('remove image', (abortSignal) => this.docker.getImage(id).remove({ abortSignal }));
  }

  async fetchBridgeGateway(): Promise<string | undefined> {
    const info = (await this.request('inspect network', () => this.docker.getNetwork('bridge').inspect())) as {
      IPAM?: { Config?: { Gateway?: string; Subnet?: string }[] };
      Options?: Record<string, string> | null;
    };
    const gateway = info.IPAM?.Config?.find((c) => c.Gateway)?.Gateway;
    if (gateway) return gateway;
    // Older engines leave the default bridge's gateway out of IPAM; the engine gives the bridge the subnet's first address.
    const subnet = info.IPAM?.Config?.find((c) => c.Subnet && !c.Subnet.includes(':'))?.Subnet;
    return subnet ? firstHost(subnet) : undefined;
  }

  async fetchSecurityOptions(): Promise<string[]> {
    const info = (await this.request('engine info', () => this.docker.info())) as { SecurityOptions?: string[] | null };
    return info.SecurityOptions ?? [];
  }

  async watchContainers(
    domain: string,
    onEvent: (e: EngineEvent) => void,
    onEnd: (err?: Error) => void,
    onMalformed: (line: string) => void = () => undefined,
  ): Promise<EventSubscription> {
    const stream = (await this.request('watch events', () =>
      this.docker.getEvents({ filters: { type: ['container'], label: [domainFilter(domain)] } }),
    )) as NodeJS.ReadableStream & { destroy(): void };
    let rest = '';
    let ended = false;
    const end = (err?: Error) => {
      if (ended) return;
      ended = true;
      onEnd(err);
    };
    stream.on('data', (chunk: Buffer) => {
      const lines = (rest + chunk.toString('utf8')).split('\n');
      rest = lines.pop() ?? '';
      // An event is a few hundred bytes; a "line" that never ends is not one, and is not kept.
      if (rest.length > MAX_EVENT_LINE) {
        onMalformed(rest.slice(0, 200));
        rest = '';
      }
      for (const line of lines) {
        if (!line.trim()) continue;
        const event = parseEvent(line);
        if (!event) onMalformed(line.slice(0, 200));
        else if (!IGNORED_ACTIONS.test(event.action)) onEvent(event);
      }
    });
    stream.on('error', (err: Error) => end(err));
    stream.on('end', () => end());
    stream.on('close', () => end());
    return {
      close() {
        ended = true;
        stream.destroy();
      },
    };
  }

  async buildImage(spec: BuildSpec): Promise<string> {
    const { signal } = spec;
    let stream: NodeJS.ReadableStream;
    try {
      stream = await this.docker.buildImage(spec.context, {
        dockerfile: spec.dockerfile,
        // The classic builder: it runs each step in a container with these limits, on a user-defined network.
        version: '1',
        rm: true,
        forcerm: true,
        // Never pull: the FROM line names a local image by ID, and `pull` would force a pull of it.
        pull: false,
        nocache: spec.nocache ?? false,
        networkmode: spec.network,
        memory: spec.memory,
        memswap: spec.memory,
        cpuperiod: CPU_PERIOD_US,
        cpuquota: Math.max(1_000, Math.round(spec.cpus * CPU_PERIOD_US)),
        abortSignal: signal,
      });
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      throw new BerthError('build_failed', `the engine refused the build: ${engineMessage(err)}`, {}, { cause: err });
    }
    const { imageId, error } = await readEngineStream(stream, spec.onLine, signal, spec.onDropped);
    if (error !== undefined) throw new BerthError('build_failed', error);
    if (!imageId) throw new BerthError('build_failed', 'the engine finished the build without an image ID');
    return imageId;
  }

  async fetchBuildLeftovers(domain: string): Promise<{ containers: string[]; images: string[] }> {
    const label = [`${LABELS.build}=${domain}`];
    const [containers, images] = await Promise.all([
      this.request('list containers', (abortSignal) => this.docker.listContainers({ all: true, filters: { label }, abortSignal })),
      this.request('list images', (abortSignal) => this.docker.listImages({ filters: { label, dangling: ['true'] }, abortSignal })),
    ]);
    return { containers: containers.map((c) => c.Id), images: images.map((i) => i.Id) };
  }

  async labelImage(imageId: string, labels: Readonly<Record<string, string>>): Promise<string> {
    const c = await this.request('create container', () => this.docker.createContainer({ Image: imageId, Labels: {} }));
    try {
      // The commit merges the given config over the container's (Cmd, Env, WorkingDir … stay); unchanged files add no layer.
      const out = (await this.request('commit', () => c.commit({ pause: false, Labels: { ...labels } } as object))) as { Id: string };
      return out.Id;
    } finally {
      await this.tolerate([404], 'remove container', (abortSignal) => c.remove({ force: true, abortSignal }));
    }
  }

  async tagImage(imageId: string, repo: string, tag: string): Promise<void> {
    await this.request('tag image', () => this.docker.getImage(imageId).tag({ repo, tag }));
  }

  private async request<T>(what: string, fn: (signal: AbortSignal) => Promise<T>, timeoutMs = REQUEST_TIMEOUT_MS): Promise<T> {
    const signal = AbortSignal.timeout(timeoutMs);
    // Not every dockerode call honours the signal, so the deadline is also raced here.
    const deadline = new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
    try {
      return await Promise.race([fn(signal), deadline]);
    } catch (err) {
      throw translateEngineError(err, what);
    }
  }

  /** A request whose listed status codes mean "already so" and count as success. */
  private async tolerate(codes: number[], what: string, fn: (signal: AbortSignal) => Promise<unknown>, timeoutMs?: number): Promise<void> {
    try {
      await this.request(what, fn, timeoutMs);
    } catch (err) {
      if (codes.includes(statusOf((err as BerthError).cause) ?? 0)) return;
      throw err;
    }
  }
}

/** One line of the engine's event stream, or undefined when it is not a container event berth understands. */
function parseEvent(line: string): EngineEvent | undefined {
  let e: unknown;
  try {
    e = JSON.parse(line);
  } catch {
    return undefined;
  }
  const { Action: action, Actor: actor } = (e ?? {}) as { Action?: unknown; Actor?: { ID?: unknown } | null };
  const id = actor && typeof actor === 'object' ? actor.ID : undefined;
  return typeof action === 'string' && typeof id === 'string' && id !== '' ? { id, action } : undefined;
}

interface DockerStats {
  cpu_stats?: { cpu_usage?: { total_usage?: number; percpu_usage?: number[] }; system_cpu_usage?: number; online_cpus?: number };
  precpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number };
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
  pids_stats?: { current?: number };
}

function toUsage(s: DockerStats): ContainerUsage {
  const cpuDelta = (s.cpu_stats?.cpu_usage?.total_usage ?? 0) - (s.precpu_stats?.cpu_usage?.total_usage ?? 0);
  const systemDelta = (s.cpu_stats?.system_cpu_usage ?? 0) - (s.precpu_stats?.system_cpu_usage ?? 0);
  const cpus = s.cpu_stats?.online_cpus ?? s.cpu_stats?.cpu_usage?.percpu_usage?.length ?? 1;
  const cpuPercent = cpuDelta > 0 && systemDelta > 0 ? (cpuDelta / systemDelta) * cpus * 100 : 0;
  const stats = s.memory_stats?.stats ?? {};
  // As the Docker CLI shows it: usage minus page cache (cgroup v1 "cache", v2 "inactive_file").
  const cache = stats.inactive_file ?? stats.total_inactive_file ?? stats.cache ?? 0;
  const usage = Math.max(0, (s.memory_stats?.usage ?? 0) - cache);
  return {
    cpuPercent: Math.round(cpuPercent * 100) / 100,
    memoryUsage: usage,
    memoryLimit: s.memory_stats?.limit ?? 0,
    pids: s.pids_stats?.current ?? 0,
  };
}

function time(t: string | undefined): string | null {
  return !t || t === ZERO_TIME ? null : t;
}

function toContainerRecord(info: Dockerode.ContainerInspectInfo): ContainerRecord {
  const labels = info.Config.Labels ?? {};
  const host = info.HostConfig;
  const state = info.State;
  return {
    id: info.Id,
    engineName: info.Name.replace(/^\//, ''),
    name: labels[LABELS.name] ?? info.Name.replace(/^\//, ''),
    domain: labels[LABELS.domain] ?? '',
    image: labels[LABELS.image] ?? info.Config.Image,
    imageId: info.Image,
    state: state.Status,
    created: info.Created,
    startedAt: time(state.StartedAt),
    finishedAt: time(state.FinishedAt),
    exitCode: state.StartedAt && state.StartedAt !== ZERO_TIME ? state.ExitCode : null,
    restarting: state.Restarting,
    oomKilled: state.OOMKilled ?? false,
    health: state.Health?.Status ?? null,
    labels,
    env: info.Config.Env ?? [],
    cmd: asList(info.Config.Cmd),
    entrypoint: asList(info.Config.Entrypoint),
    workingDir: info.Config.WorkingDir ?? '',
    user: info.Config.User ?? '',
    resources: {
      memory: host.Memory || null,
      memorySwap: host.MemorySwap || null,
      nanoCpus: host.NanoCpus || null,
      pidsLimit: host.PidsLimit || null,
      restartPolicy: host.RestartPolicy?.Name || 'no',
      readonlyRootfs: host.ReadonlyRootfs ?? false,
      capDrop: host.CapDrop ?? [],
      capAdd: host.CapAdd ?? [],
      securityOpt: host.SecurityOpt ?? [],
      privileged: host.Privileged ?? false,
      // berth attaches by network ID (names can be ambiguous); show the name the network goes by.
      networkMode: Object.keys(info.NetworkSettings?.Networks ?? {})[0] ?? host.NetworkMode ?? 'default',
      pidMode: host.PidMode || 'private',
      ipcMode: host.IpcMode || 'private',
      tmpfs: (host as { Tmpfs?: Record<string, string> }).Tmpfs ?? {},
      ulimits: (host.Ulimits ?? []).map((u) => ({ name: u.Name ?? '', soft: u.Soft ?? 0, hard: u.Hard ?? 0 })),
      log: { type: host.LogConfig?.Type ?? '', config: host.LogConfig?.Config ?? {} },
      mounts: (info.Mounts ?? []).map((m) => `${m.Type}:${m.Source ?? ''}:${m.Destination}`),
    },
  };
}

function asList(v: unknown): string[] | null {
  if (v === null || v === undefined) return null;
  return Array.isArray(v) ? v.map(String) : [String(v)];
}

function firstHost(cidr: string): string | undefined {
  const [base, bits] = cidr.split('/');
  const octets = (base ?? '').split('.').map(Number);
  if (octets.length !== 4 || octets.some((o) => !(o >= 0 && o <= 255)) || !(Number(bits) < 31)) return undefined;
  const mask = Number(bits) === 0 ? 0 : (~0 << (32 - Number(bits))) >>> 0;
  const n = ((((octets[0]! << 24) | (octets[1]! << 16) | (octets[2]! << 8) | octets[3]!) >>> 0) & mask) + 1;
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}
