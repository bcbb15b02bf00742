import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import Dockerode from 'dockerode';
import { DockerContainerClient } from './docker-container-client.js';
import { DockerExecClient } from './docker-exec-client.js';
import { DockerEventClient } from './docker-event-client.js';
import { DockerImageClient } from './docker-image-client.js';
import { DockerNetworkClient } from './docker-network-client.js';
import { DockerRequests } from './docker-requests.js';
import { DockerVolumeClient } from './docker-volume-client.js';
import type { Engine } from './engine.js';

/** Build the dockerode client from `DOCKER_HOST`-style addresses (unix:///path, tcp://host:port). */
export function createDockerode(dockerHost: string | undefined): Dockerode {
  if (!dockerHost) return new Dockerode({ socketPath: process.env.DOCKER_HOST ? undefined : '/var/run/docker.sock' });
  const url = new URL(dockerHost);
  if (url.protocol === 'unix:') return new Dockerode({ socketPath: url.pathname });
  const protocol = url.protocol === 'https:' ? 'https' : 'http';
  return new Dockerode({ host: url.hostname, port: Number(url.port || (protocol === 'https' ? 2376 : 2375)), protocol });
}

// The class gets Engine's methods from its parts (below), so its instance type says so.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export interface DockerEngine extends Engine {}

/**
 * The Docker engine behind the narrow `Engine` seam: one adapter per resource (containers, execs, images, networks, events, volumes),
 * sharing one dockerode client and one request policy (deadline, typed errors). This folder is the only importer of
 * dockerode.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class DockerEngine {
  private readonly requests: DockerRequests;

  constructor(private readonly docker: Dockerode) {
    this.requests = new DockerRequests(docker);
    const parts = [
      new DockerContainerClient(docker, this.requests),
      new DockerExecClient(docker, this.requests),
      new DockerImageClient(docker, this.requests),
      new DockerNetworkClient(docker, this.requests),
      new DockerEventClient(docker, this.requests),
      new DockerVolumeClient(docker, this.requests),
    ];
    for (const part of parts) {
      for (const key of Object.getOwnPropertyNames(Object.getPrototypeOf(part))) {
        if (key === 'constructor') continue;
        const method = (part as unknown as Record<string, unknown>)[key];
        if (typeof method === 'function') Object.defineProperty(this, key, { value: method.bind(part) });
      }
    }
  }

  async ping(): Promise<void> {
    await this.requests.request('ping', () => this.docker.ping(), 5_000);
  }

  /** The engine's `SecurityOptions`, for the join log line. */
  async fetchSecurityOptions(): Promise<string[]> {
    const info = (await this.requests.request('engine info', () => this.docker.info())) as { SecurityOptions?: string[] | null };
    return info.SecurityOptions ?? [];
  }

  async fetchRegistryInsecure(registry: string): Promise<boolean> {
    const info = (await this.requests.request('engine info', () => this.docker.info())) as { RegistryConfig?: RegistryConfig | null };
    return registryInsecure(registry, info.RegistryConfig ?? {}, async (host) => (await lookup(host, { all: true })).map((a) => a.address));
  }
}

interface RegistryConfig {
  InsecureRegistryCIDRs?: string[] | null;
  IndexConfigs?: Record<string, { Secure?: boolean }> | null;
}

/**
 * The engine's rule (moby registry.isSecureIndex): a registry listed in IndexConfigs says itself; otherwise it is
 * insecure when its host (or an address it resolves to) is in one of the insecure CIDRs.
 */
export async function registryInsecure(registry: string, config: RegistryConfig, resolve: (host: string) => Promise<string[]>): Promise<boolean> {
  const listed = config.IndexConfigs?.[registry];
  if (listed) return listed.Secure === false;
  const host = registry.slice(0, registry.lastIndexOf(':')).replace(/^\[(.*)\]$/, '$1');
  const cidrs = new BlockList();
  for (const cidr of config.InsecureRegistryCIDRs ?? []) {
    const [net, bits] = cidr.split('/');
    const type = isIP(net ?? '') === 6 ? 'ipv6' : 'ipv4';
    if (net && bits) cidrs.addSubnet(net, Number(bits), type);
  }
  const addresses = isIP(host) ? [host] : await resolve(host).catch(() => []);
  return addresses.some((a) => cidrs.check(a, isIP(a) === 6 ? 'ipv6' : 'ipv4'));
}
