import type Dockerode from 'dockerode';
import type { DockerRequests } from './docker-requests.js';
import { hasStatus } from './engine-error.js';
import { domainFilter } from './labels.js';

const REMOVE_TRIES = 40;
const REMOVE_RETRY_MS = 250;

/**
 * Each berth container's own overlay network on a swarm, named like its service (`D.<name>`), labelled with
 * the domain: the container is its only member. Made before the service, removed after it (once Swarm has taken the
 * task's endpoint off it), and swept at start when a killed berth left one without its service.
 */
export class SwarmNetworks {
  constructor(
    private readonly docker: Dockerode,
    private readonly r: DockerRequests,
  ) {}

  /** The network's ID, made unless it exists (a leftover of the same name is taken over: it has no member). */
  async ensure(name: string, labels: Readonly<Record<string, string>>): Promise<string> {
    const existing = await this.find(name);
    if (existing) return existing;
    const created = await this.r.request('create network', () =>
      this.docker.createNetwork({ Name: name, Driver: 'overlay', Attachable: false, CheckDuplicate: true, Labels: { ...labels } }),
    );
    return created.id;
  }

  /** Remove it, waiting (bounded) while the removed service's task still has its endpoint there; gone is removed. */
  async remove(name: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.r.tolerate([404], 'remove network', (abortSignal) => this.docker.getNetwork(name).remove({ abortSignal } as {}));
        return;
      } catch (err) {
        // 403 "has active endpoints": the task is still being taken down.
        if (attempt >= REMOVE_TRIES || !(hasStatus(err, 403) || hasStatus(err, 409) || /active endpoints/i.test((err as Error).message))) throw err;
        await new Promise((r) => setTimeout(r, REMOVE_RETRY_MS));
      }
    }
  }

  /** The domain's overlay networks that no service of the same name uses (a berth killed between the two steps). */
  async leftovers(domain: string, services: ReadonlySet<string>): Promise<string[]> {
    const list = await this.r.request('list networks', (abortSignal) => this.docker.listNetworks({ filters: { label: [domainFilter(domain)], driver: ['overlay'] }, abortSignal }));
    return list.filter((n) => !services.has(n.Name)).map((n) => n.Name);
  }

  private async find(name: string): Promise<string | undefined> {
    const list = await this.r.request('list networks', (abortSignal) => this.docker.listNetworks({ filters: { name: [name] }, abortSignal }));
    return list.find((n) => n.Name === name)?.Id;
  }
}
