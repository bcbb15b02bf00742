import type Dockerode from 'dockerode';
import { isBerthError } from '../errors.js';
import type { DockerRequests } from './docker-requests.js';
import type { ContainerSummary, VolumeClient, VolumeRecord, VolumeUsage } from './engine.js';
import { domainFilter } from './labels.js';

interface DockerVolume {
  Name: string;
  Labels?: Record<string, string> | null;
  CreatedAt?: string;
  UsageData?: { Size?: number; RefCount?: number } | null;
}

/** Named volumes on the engine: the VolumeClient seam over dockerode. Always the local driver; never a bind. */
export class DockerVolumeClient implements VolumeClient {
  constructor(
    private readonly docker: Dockerode,
    private readonly r: DockerRequests,
  ) {}

  async fetchVolume(name: string): Promise<VolumeRecord | undefined> {
    try {
      const v = (await this.r.request('inspect volume', (abortSignal) => this.docker.getVolume(name).inspect({ abortSignal }))) as DockerVolume;
      return toVolumeRecord(v);
    } catch (err) {
      if (isBerthError(err, 'not_found')) return undefined;
      throw err;
    }
  }

  async fetchVolumes(domain: string): Promise<VolumeRecord[]> {
    const list = (await this.r.request('list volumes', (abortSignal) =>
      this.docker.listVolumes({ filters: { label: [domainFilter(domain)] }, abortSignal }),
    )) as { Volumes?: DockerVolume[] | null };
    return (list.Volumes ?? []).map(toVolumeRecord);
  }

  async createVolume(name: string, labels: Readonly<Record<string, string>>, size?: number): Promise<VolumeRecord> {
    await this.r.request('create volume', (abortSignal) =>
      this.docker.createVolume({
        Name: name,
        Driver: 'local',
        // The local driver's quota option (project quotas: xfs with pquota under the engine's data root).
        DriverOpts: size === undefined ? {} : { size: String(size) },
        Labels: { ...labels },
        abortSignal,
      }),
    );
    const made = await this.fetchVolume(name);
    return made ?? { name, labels: { ...labels }, created: '' };
  }

  async removeVolume(name: string): Promise<void> {
    // 409 (a container mounts it) becomes in_use; 404 is "already gone".
    await this.r.tolerate([404], 'remove volume', (abortSignal) => this.docker.getVolume(name).remove({ abortSignal }));
  }

  async fetchVolumeUsage(): Promise<Map<string, VolumeUsage>> {
    // The engine computes every size on each call (images, containers, volumes, build cache); engines of API 1.42+ could
    // be asked for volumes only, 1.41 (Docker 20.10) ignores that.
    // dockerode's typings lack df's options; its implementation takes abortSignal as every other call does.
    const df = this.docker.df.bind(this.docker) as unknown as (opts: { abortSignal: AbortSignal }) => Promise<{ Volumes?: DockerVolume[] | null }>;
    const usage = await this.r.request('disk usage', (abortSignal) => df({ abortSignal }));
    // The engine says -1 for what it did not compute.
    const known = (n: number | undefined) => (typeof n === 'number' && n >= 0 ? n : null);
    const out = new Map<string, VolumeUsage>();
    for (const v of usage.Volumes ?? []) out.set(v.Name, { size: known(v.UsageData?.Size), containers: known(v.UsageData?.RefCount) });
    return out;
  }

  async fetchContainersUsingVolume(name: string): Promise<ContainerSummary[]> {
    const list = await this.r.request('list containers', (abortSignal) =>
      this.docker.listContainers({ all: true, filters: { volume: [name] }, abortSignal }),
    );
    return list.map((c) => ({ id: c.Id, engineName: (c.Names?.[0] ?? '').replace(/^\//, ''), state: c.State, labels: c.Labels ?? {} }));
  }
}

function toVolumeRecord(v: DockerVolume): VolumeRecord {
  return { name: v.Name, labels: v.Labels ?? {}, created: v.CreatedAt ?? '' };
}
