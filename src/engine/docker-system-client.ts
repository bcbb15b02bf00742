import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import type Dockerode from 'dockerode';
import type { DockerRequests } from './docker-requests.js';

/** What an engine says about itself (ping, info): the same for one engine and for a swarm's manager. */
export class DockerSystemClient {
  constructor(
    private readonly docker: Dockerode,
    private readonly requests: DockerRequests,
  ) {}

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
