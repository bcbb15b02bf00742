import type Dockerode from 'dockerode';
import type { DockerRequests } from './docker-requests.js';
import { hasStatus } from './engine-error.js';
import type { NetworkClient } from './engine.js';

/** Networks on the engine: the NetworkClient seam over dockerode. */
export class DockerNetworkClient implements NetworkClient {
  constructor(
    private readonly docker: Dockerode,
    private readonly r: DockerRequests,
  ) {}

  async ensureNetwork(name: string, labels: Readonly<Record<string, string>>, isolate: boolean): Promise<string> {
    const find = async () => {
      const list = await this.r.request('list networks', (abortSignal) => this.docker.listNetworks({ filters: { name: [name] }, abortSignal }));
      // The name filter matches substrings; engines may also hold duplicates (made concurrently): take the oldest.
      return list.filter((n) => n.Name === name).sort((a, b) => a.Created.localeCompare(b.Created))[0]?.Id;
    };
    const existing = await find();
    if (existing) return existing;
    try {
      const created = await this.r.request('create network', () =>
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
      if (!hasStatus(err, 409)) throw err;
      const id = await find();
      if (!id) throw err;
      return id;
    }
  }

  async fetchBridgeGateway(): Promise<string | undefined> {
    const info = (await this.r.request('inspect network', () => this.docker.getNetwork('bridge').inspect())) as {
      IPAM?: { Config?: { Gateway?: string; Subnet?: string }[] };
      Options?: Record<string, string> | null;
    };
    const gateway = info.IPAM?.Config?.find((c) => c.Gateway)?.Gateway;
    if (gateway) return gateway;
    // Older engines leave the default bridge's gateway out of IPAM; the engine gives the bridge the subnet's first address.
    const subnet = info.IPAM?.Config?.find((c) => c.Subnet && !c.Subnet.includes(':'))?.Subnet;
    return subnet ? firstHost(subnet) : undefined;
  }
}


function firstHost(cidr: string): string | undefined {
  const [base, bits] = cidr.split('/');
  const octets = (base ?? '').split('.').map(Number);
  if (octets.length !== 4 || octets.some((o) => !(o >= 0 && o <= 255)) || !(Number(bits) < 31)) return undefined;
  const mask = Number(bits) === 0 ? 0 : (~0 << (32 - Number(bits))) >>> 0;
  const n = ((((octets[0]! << 24) | (octets[1]! << 16) | (octets[2]! << 8) | octets[3]!) >>> 0) & mask) + 1;
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}
