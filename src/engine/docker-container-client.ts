import type Dockerode from 'dockerode';
import { BerthError } from '../errors.js';
import { demuxLogs } from './demux-logs.js';
import type { DockerRequests } from './docker-requests.js';
import { hasStatus } from './engine-error.js';
import type { ContainerClient, ContainerRecord, ContainerSummary, ContainerSpec, ContainerUsage, LogLine, LogStream, ProcessTable } from './engine.js';
import { followLogStream } from './follow-log-stream.js';
import { domainFilter } from './labels.js';
import { toContainerRecord, toUsage, type DockerStats } from './to-container-record.js';

/** Containers on the engine: the ContainerClient seam over dockerode. */
export class DockerContainerClient implements ContainerClient {
  constructor(
    private readonly docker: Dockerode,
    private readonly r: DockerRequests,
  ) {}

  async fetchContainerIds(domain: string): Promise<string[]> {
    return (await this.fetchContainerSummaries(domain)).map((c) => c.id);
  }

  async fetchContainerSummaries(domain: string): Promise<ContainerSummary[]> {
    const list = await this.r.request('list containers', (abortSignal) =>
      this.docker.listContainers({ all: true, filters: { label: [domainFilter(domain)] }, abortSignal }),
    );
    return list.map((c) => ({ id: c.Id, engineName: (c.Names?.[0] ?? '').replace(/^\//, ''), state: c.State, labels: c.Labels ?? {} }));
  }

  async fetchContainer(idOrName: string): Promise<ContainerRecord | undefined> {
    try {
      const info = await this.r.request('inspect container', (abortSignal) => this.docker.getContainer(idOrName).inspect({ abortSignal }));
      return toContainerRecord(info);
    } catch (err) {
      if (err instanceof BerthError && err.code === 'not_found') return undefined;
      throw err;
    }
  }

  async createContainer(spec: ContainerSpec): Promise<string> {
    const sb = spec.sandbox;
    const container = await this.r.request('create container', () =>
      this.docker.createContainer({
        name: spec.engineName,
        Image: spec.imageId,
        Env: [...spec.env],
        Labels: { ...spec.labels },
        User: sb.user,
        HostConfig: {
          // Never negotiable: no privileges, no host namespaces, no host mounts (so never the Docker socket). The only
          // mounts are named volumes (type volume: the engine's own storage, never a path on the host).
          Privileged: false,
          PidMode: '',
          IpcMode: 'private',
          UTSMode: '',
          UsernsMode: '',
          Binds: [],
          Mounts: spec.volumes.map((v) => ({ Type: 'volume' as const, Source: v.name, Target: v.path, ReadOnly: false })),
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

  async startContainer(id: string): Promise<void> {
    await this.r.tolerate([304], 'start container', (abortSignal) => this.docker.getContainer(id).start({ abortSignal }));
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    await this.r.tolerate([304], 'stop container', (abortSignal) => this.docker.getContainer(id).stop({ t: timeoutSeconds, abortSignal }), (timeoutSeconds + 30) * 1000);
  }

  async restartContainer(id: string, timeoutSeconds: number): Promise<void> {
    await this.r.request('restart container', (abortSignal) => this.docker.getContainer(id).restart({ t: timeoutSeconds, abortSignal }), (timeoutSeconds + 30) * 1000);
  }

  async setRestartPolicy(id: string, policy: string): Promise<void> {
    await this.r.request('update container', (abortSignal) => this.docker.getContainer(id).update({ RestartPolicy: { Name: policy }, abortSignal }));
  }

  async renameContainer(id: string, engineName: string): Promise<void> {
    await this.r.request('rename container', (abortSignal) => this.docker.getContainer(id).rename({ name: engineName, abortSignal }));
  }

  async removeContainer(id: string): Promise<void> {
    await this.r.tolerate([404], 'remove container', (abortSignal) => this.docker.getContainer(id).remove({ force: true, v: true, abortSignal }));
  }

  async fetchLogs(id: string, tail: number): Promise<string> {
    const buf = await this.r.request('container logs', (abortSignal) =>
      this.docker.getContainer(id).logs({ stdout: true, stderr: true, follow: false, tail, abortSignal }),
    );
    return demuxLogs(buf as Buffer);
  }

  async followLogs(id: string, options: { sinceSeconds: number; maxLineBytes: number }, onLine: (line: LogLine) => void): Promise<LogStream> {
    // No request deadline on the stream itself (it is meant to stay open); only its start is bounded.
    const stream = (await this.r.request('follow container logs', () =>
      this.docker.getContainer(id).logs({ follow: true, stdout: true, stderr: true, timestamps: true, since: Math.floor(options.sinceSeconds) }),
    )) as unknown as NodeJS.ReadableStream & { destroy(): void };
    return followLogStream(stream, options.maxLineBytes, onLine);
  }

  async fetchUsage(id: string): Promise<ContainerUsage> {
    const s = (await this.r.request('container stats', () =>
      this.docker.getContainer(id).stats({ stream: false }),
    )) as unknown as DockerStats;
    return toUsage(s);
  }

  async fetchProcesses(id: string): Promise<ProcessTable> {
    try {
      const top = (await this.r.request('container top', (abortSignal) => this.docker.getContainer(id).top({ abortSignal }))) as {
        Titles?: string[];
        Processes?: string[][];
      };
      return { titles: top.Titles ?? [], processes: top.Processes ?? [] };
    } catch (err) {
      // 409: the container is not running, so it has no processes.
      if (hasStatus(err, 409)) return { titles: [], processes: [] };
      throw err;
    }
  }

  async fetchContainersUsingImage(imageId: string): Promise<string[]> {
    const list = await this.r.request('list containers', (abortSignal) =>
      this.docker.listContainers({ all: true, filters: { ancestor: [imageId] }, abortSignal }),
    );
    return list.filter((c) => c.ImageID === imageId).map((c) => c.Id);
  }
}
