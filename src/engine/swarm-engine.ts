import type Dockerode from 'dockerode';
import { BerthError, failures } from '../errors.js';
import { DockerImageClient } from './docker-image-client.js';
import { DockerNetworkClient } from './docker-network-client.js';
import { DockerRequests } from './docker-requests.js';
import { DockerSystemClient } from './docker-system-client.js';
import { EngineError } from './engine-error.js';
import type { Engine, ExecClient, ExecProcess, ExecSpec, VolumeClient } from './engine.js';
import { SwarmEventClient } from './swarm-event-client.js';
import { checkNodes, type NodeCheck } from './swarm-node-check.js';
import { SwarmNetworks } from './swarm-networks.js';
import { SwarmNodes, type NodeEndpoints } from './swarm-nodes.js';
import { SwarmServiceClient } from './swarm-service-client.js';
import { serviceName } from './swarm-service-spec.js';

export interface SwarmEngineOptions extends NodeEndpoints {
  /** host:port: services pull every image from there, by digest. */
  readonly registry: string;
  readonly pollMs: number;
  readonly stopGraceSeconds: number;
  readonly startTimeoutMs: number;
}

// The class gets Engine's methods from its parts (below), so its instance type says so.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export interface SwarmEngine extends Engine {}

/**
 * A Docker Swarm behind the same `Engine` seam (engine: swarm): berth's containers are one-replica services
 * (swarm-service-client.ts); images are built on the manager's engine, as with one engine, and services pull them from
 * the registry by digest; the swarm's state is followed by polling (swarm-event-client.ts). What Swarm cannot do yet
 * (volumes: a node's volume stays on that node) is refused with berth.error.not_supported.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class SwarmEngine {
  readonly nodes: SwarmNodes;
  private readonly networks: SwarmNetworks;
  private readonly requests: DockerRequests;

  constructor(
    private readonly docker: Dockerode,
    private readonly o: SwarmEngineOptions,
  ) {
    this.requests = new DockerRequests(docker);
    this.nodes = new SwarmNodes(docker, this.requests, o);
    this.networks = new SwarmNetworks(docker, this.requests);
    const events = new SwarmEventClient(docker, this.requests, o.pollMs);
    const parts = [
      new SwarmServiceClient(docker, this.requests, {
        imageReference: (id) => this.imageReference(id),
        stopGraceSeconds: o.stopGraceSeconds,
        startTimeoutMs: o.startTimeoutMs,
        nodes: this.nodes,
        networks: this.networks,
        changed: () => events.poke(),
      }),
      new DockerImageClient(docker, this.requests),
      new DockerNetworkClient(docker, this.requests),
      events,
      new DockerSystemClient(docker, this.requests),
      { startExec: (id: string, spec: ExecSpec) => this.execOnNode(id, spec) } satisfies ExecClient,
      swarmVolumes,
    ];
    for (const part of parts) {
      const proto = Object.getPrototypeOf(part) === Object.prototype ? part : Object.getPrototypeOf(part);
      for (const key of Object.getOwnPropertyNames(proto)) {
        if (key === 'constructor') continue;
        const method = (part as unknown as Record<string, unknown>)[key];
        if (typeof method === 'function') Object.defineProperty(this, key, { value: method.bind(part) });
      }
    }
  }

  /**
   * `D/<name>/exec` on a swarm: in the running task's container, through its node's engine (swarm.nodes), with the
   * same sandbox as on one engine. A container with no running task is refused as a stopped one is (409).
   */
  private async execOnNode(serviceId: string, spec: ExecSpec): Promise<ExecProcess> {
    const record = await this.fetchContainer(serviceId);
    const at = record?.swarm;
    if (!record || record.state !== 'running' || !at?.node || !at.container) throw new EngineError('in_use', `container ${record?.name ?? serviceId} is not running`, 409);
    return this.nodes.engine(at.node, 'D/<name>/exec').startExec(at.container, spec);
  }

  /**
   * Before berth serves anything on a swarm: the engine is a manager, every ready node's daemon enforces
   * no-new-privileges and, with `checkPorts`, its tasks reach none of the swarm's own ports (swarm-node-check.ts).
   * Throws saying what is wrong, naming each node that fails.
   */
  async checkSwarm(domain: string, o: { probeImage: string; checkPorts: boolean }): Promise<NodeCheck[]> {
    const info = (await this.requests.request('engine info', () => this.docker.info())) as { Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean } };
    if (info.Swarm?.LocalNodeState !== 'active' || !info.Swarm.ControlAvailable) {
      throw new BerthError('engine_unavailable', `engine: swarm needs --docker-host to be a swarm manager; this engine's swarm state is ${info.Swarm?.LocalNodeState ?? 'unknown'}${info.Swarm?.ControlAvailable === false ? ' (a worker)' : ''}`);
    }
    // A berth killed between making a container's network and its service (or removing them) left the network.
    const services = new Set((await this.fetchContainerSummaries(domain)).map((s) => serviceName(s.engineName)));
    for (const name of await this.networks.leftovers(domain, services)) await this.networks.remove(name);
    const checks = await checkNodes(this.docker, this.requests, { domain, image: o.probeImage, ports: o.checkPorts, networks: this.networks, timeoutMs: this.o.startTimeoutMs });
    const failed = checks.filter((c) => !c.ok);
    if (failed.length) throw new BerthError('engine_unavailable', `refusing to run containers on this swarm: ${failed.map((c) => `node ${c.node}: ${c.problem}`).join('; ')}`);
    return checks;
  }

  /** The digest reference `registry/repo@sha256:…` the image was pushed as: what every node pulls. */
  async imageReference(imageId: string): Promise<string> {
    const info = (await this.requests.request('inspect image', (abortSignal) => this.docker.getImage(imageId).inspect({ abortSignal } as {}))) as { RepoDigests?: string[] | null };
    const ref = (info.RepoDigests ?? []).find((d) => d.startsWith(`${this.o.registry}/`));
    if (!ref) throw new BerthError('not_found', `image ${imageId.slice(0, 19)} is not in the registry ${this.o.registry}: build it again to push it`, { registry: this.o.registry });
    return ref;
  }
}

/** Run.yaml Volumes: a named volume is local to one node, so a task rescheduled elsewhere would lose its data. */
const swarmVolumes: VolumeClient = {
  fetchVolume: async () => undefined,
  fetchVolumes: async () => [],
  createVolume: () => Promise.reject(failures.notOnSwarm('Run.yaml Volumes')),
  removeVolume: async () => undefined,
  fetchVolumeUsage: async () => new Map(),
  fetchContainersUsingVolume: async () => [],
};
