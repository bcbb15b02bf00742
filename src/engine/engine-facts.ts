import type Dockerode from 'dockerode';
import { createDockerode } from './docker-engine.js';
import { DockerRequests } from './docker-requests.js';
import { EngineError, engineMessage } from './engine-error.js';

/** What `berth doctor` and the start banner say about an engine: its version, its isolation, its swarm and its networks. */
export interface EngineFacts {
  readonly version: string;
  readonly apiVersion: string;
  readonly securityOptions: readonly string[];
  /** `inactive`, `active`, … (Swarm.LocalNodeState), and whether this engine is a manager. */
  readonly swarm: { readonly state: string; readonly manager: boolean };
  /** The engine's data directory (where images and containers take disk). */
  readonly rootDir: string;
  /** The daemon's `default-address-pools`, when it has any (none: Docker's built-in pools). */
  readonly addressPools: readonly { readonly base: string; readonly size: number }[];
  /** Every subnet the engine's networks use now. */
  readonly subnets: readonly string[];
  /** The engine's images' tags. */
  readonly tags: ReadonlySet<string>;
}

/** Why an engine could not be asked: its socket is missing, refuses, forbids, or did not answer. */
export class EngineUnreachableError extends Error {
  override name = 'EngineUnreachableError';
  constructor(
    readonly dockerHost: string,
    readonly why: string,
  ) {
    super(`cannot reach the Docker engine at ${dockerHost} (${why})`);
  }
}

/** The address berth asks: --docker-host, else DOCKER_HOST (read by dockerode), else the local socket. */
export function engineAddress(dockerHost: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return dockerHost ?? (env.DOCKER_HOST || 'unix:///var/run/docker.sock');
}

/** Ask the engine at `dockerHost` for its facts, within `timeoutMs`; an engine that cannot be asked is an EngineUnreachableError. */
export async function fetchEngineFacts(dockerHost: string | undefined, timeoutMs = 5_000): Promise<EngineFacts> {
  const docker = createDockerode(dockerHost);
  const requests = new DockerRequests(docker);
  const ask = <T>(fn: (signal: AbortSignal) => Promise<T>) => bounded(requests, dockerHost, timeoutMs, fn);
  const [version, info] = await Promise.all([
    ask(() => docker.version() as Promise<{ Version: string; ApiVersion: string }>),
    ask(() => docker.info() as Promise<DockerInfo>),
  ]);
  const [networks, images] = await Promise.all([
    ask((abortSignal) => docker.listNetworks({ abortSignal } as Dockerode.NetworkListOptions) as Promise<{ IPAM?: { Config?: { Subnet?: string }[] | null } }[]>),
    ask((abortSignal) => docker.listImages({ abortSignal } as Dockerode.ListImagesOptions)),
  ]);
  return {
    version: version.Version,
    apiVersion: version.ApiVersion,
    securityOptions: info.SecurityOptions ?? [],
    swarm: { state: info.Swarm?.LocalNodeState ?? 'inactive', manager: info.Swarm?.ControlAvailable === true },
    rootDir: info.DockerRootDir ?? '/var/lib/docker',
    addressPools: (info.DefaultAddressPools ?? []).map((p) => ({ base: p.Base, size: p.Size })),
    subnets: networks.flatMap((n) => (n.IPAM?.Config ?? []).map((c) => c.Subnet).filter((s): s is string => typeof s === 'string')),
    tags: new Set(images.flatMap((i) => i.RepoTags ?? [])),
  };
}

interface DockerInfo {
  SecurityOptions?: string[] | null;
  Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean } | null;
  DockerRootDir?: string;
  DefaultAddressPools?: { Base: string; Size: number }[] | null;
}

/** One request through DockerRequests (its deadline, its typed errors), told in doctor's and the banner's words. */
async function bounded<T>(requests: DockerRequests, dockerHost: string | undefined, timeoutMs: number, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  try {
    return await requests.request('ask for its facts', fn, timeoutMs);
  } catch (err) {
    if (err instanceof EngineError && err.status !== undefined) throw new Error(`the engine at ${engineAddress(dockerHost)} answered: ${engineMessage(err.cause)}`, { cause: err });
    const cause = err instanceof Error ? (err.cause as { name?: string } | undefined) : undefined;
    const why = cause?.name === 'TimeoutError' || cause?.name === 'AbortError' ? `no answer within ${timeoutMs / 1000} s` : engineMessage(cause ?? err);
    throw new EngineUnreachableError(engineAddress(dockerHost), why);
  }
}

/** The engine's version (`20.10.24`), for the start banner; undefined when it does not say within `timeoutMs`. */
export async function fetchEngineVersion(dockerHost: string | undefined, timeoutMs = 3_000): Promise<string | undefined> {
  const docker = createDockerode(dockerHost);
  return bounded(new DockerRequests(docker), dockerHost, timeoutMs, () => docker.version() as Promise<{ Version: string }>).then(
    (v) => v.Version,
    () => undefined,
  );
}
