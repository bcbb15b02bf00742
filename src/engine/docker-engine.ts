import Dockerode from 'dockerode';
import { DockerContainerClient } from './docker-container-client.js';
import { DockerExecClient } from './docker-exec-client.js';
import { DockerEventClient } from './docker-event-client.js';
import { DockerImageClient } from './docker-image-client.js';
import { DockerNetworkClient } from './docker-network-client.js';
import { DockerRequests } from './docker-requests.js';
import { DockerSystemClient } from './docker-system-client.js';
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
      new DockerSystemClient(docker, this.requests),
    ];
    for (const part of parts) {
      for (const key of Object.getOwnPropertyNames(Object.getPrototypeOf(part))) {
        if (key === 'constructor') continue;
        const method = (part as unknown as Record<string, unknown>)[key];
        if (typeof method === 'function') Object.defineProperty(this, key, { value: method.bind(part) });
      }
    }
  }
}
