import { readFileSync } from 'node:fs';
import Dockerode from 'dockerode';
import { BerthError } from '../errors.js';
import { DockerEngine } from './docker-engine.js';
import type { DockerRequests } from './docker-requests.js';
import type { Engine } from './engine.js';
import type { SwarmNode } from './swarm-api.js';

export interface NodeEndpoints {
  /** Node hostname → its engine: unix:///path or https://host:port (config swarm.nodes). */
  readonly nodes: Readonly<Record<string, string>>;
  /** Client certificate for https:// engines (config swarm.tls). */
  readonly tls?: { readonly ca: string; readonly cert: string; readonly key: string } | undefined;
}

/**
 * The swarm's nodes: their hostnames by node ID (from the manager), and each node's own engine where the
 * config names one (swarm.nodes), for what only a node's engine answers: a task container's processes and usage, and
 * the check that the node's daemon enforces no-new-privileges. A node engine is reached only at an address the
 * operator configured, over a unix socket or TLS with a client certificate: never plain TCP.
 */
export class SwarmNodes {
  private readonly hostnames = new Map<string, string>();
  private readonly engines = new Map<string, Engine>();

  constructor(
    private readonly manager: Dockerode,
    private readonly r: DockerRequests,
    private readonly endpoints: NodeEndpoints,
  ) {}

  /** Every node as the manager lists it now (and their hostnames remembered). */
  async list(): Promise<SwarmNode[]> {
    const nodes = (await this.r.request('list nodes', (abortSignal) => this.manager.listNodes({ abortSignal } as {}))) as SwarmNode[];
    for (const n of nodes) if (n.Description?.Hostname) this.hostnames.set(n.ID, n.Description.Hostname);
    return nodes;
  }

  async refreshIfUnknown(id: string): Promise<void> {
    if (!this.hostnames.has(id)) await this.list().catch(() => undefined);
  }

  hostname(id: string): string | undefined {
    return this.hostnames.get(id);
  }

  /** The node's own engine; a node without one in swarm.nodes cannot answer `what`. */
  engine(hostname: string, what: string): Engine {
    const known = this.engines.get(hostname);
    if (known) return known;
    const url = this.endpoints.nodes[hostname];
    if (!url) {
      throw new BerthError('not_supported', `${what} needs the engine of node "${hostname}", which the config does not name (swarm.nodes)`, { node: hostname });
    }
    const engine = new DockerEngine(nodeDockerode(url, this.endpoints.tls));
    this.engines.set(hostname, engine);
    return engine;
  }
}

function nodeDockerode(url: string, tls: NodeEndpoints['tls']): Dockerode {
  const u = new URL(url);
  if (u.protocol === 'unix:') return new Dockerode({ socketPath: u.pathname });
  if (!tls) throw new BerthError('internal', `swarm.nodes has https engine ${u.host} but no swarm.tls client certificate`);
  return new Dockerode({
    host: u.hostname,
    port: Number(u.port || 2376),
    protocol: 'https',
    ca: readFileSync(tls.ca),
    cert: readFileSync(tls.cert),
    key: readFileSync(tls.key),
  });
}
