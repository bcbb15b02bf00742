import type Dockerode from 'dockerode';
import { createDockerode } from './docker-engine.js';
import { engineMessage } from './engine-error.js';

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
  const ask = <T>(fn: (signal: AbortSignal) => Promise<T>) => bounded(dockerHost, timeoutMs, fn);
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

async function bounded<T>(dockerHost: string | undefined, timeoutMs: number, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const signal = AbortSignal.timeout(timeoutMs);
  const deadline = new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
  try {
    return await Promise.race([fn(signal), deadline]);
  } catch (err) {
    const e = err as { code?: string; name?: string; statusCode?: number };
    if (e.statusCode !== undefined) throw new Error(`the engine at ${engineAddress(dockerHost)} answered: ${engineMessage(err)}`, { cause: err });
    const why = e.name === 'TimeoutError' || e.name === 'AbortError' ? `no answer within ${timeoutMs / 1000} s` : engineMessage(err);
    throw new EngineUnreachableError(engineAddress(dockerHost), why);
  }
}

/** The engine's version (`20.10.24`), for the start banner; undefined when it does not say within `timeoutMs`. */
export async function fetchEngineVersion(dockerHost: string | undefined, timeoutMs = 3_000): Promise<string | undefined> {
  const docker = createDockerode(dockerHost);
  return bounded(dockerHost, timeoutMs, () => docker.version() as Promise<{ Version: string }>).then(
    (v) => v.Version,
    () => undefined,
  );
}
