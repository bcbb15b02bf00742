import { REDACTED } from '../container-environment.js';
import type { ContainerRecord, ImageRecord } from '../engine/engine.js';
import { LABELS, replicaOf } from '../engine/labels.js';
import { containerDomain } from '../wamp/uris.js';
import { itemOwner } from '../tenancy/callers.js';
import { containerStatus } from './container-status.js';
import { releaseOf } from '../pipeline/releases.js';
import { registryReference } from '../pipeline/registry-reference.js';

export interface ContainerDict {
  name: string;
  image: string;
  domain: string;
  id: string;
  state: string;
  status: string;
  created: string;
  startedAt: string | null;
  finishedAt: string | null;
  exitCode: number | null;
  /** The engine's health state when the image has a health check (Run.yaml Healthcheck): starting, healthy or unhealthy; else null. */
  health: 'starting' | 'healthy' | 'unhealthy' | null;
  /** Who created it (label berth.owner; `anonymous` for containers made before owners existed). */
  owner: string;
  /** Only with engine: swarm: the hostname of the node its task runs on (or last ran on), null before one. */
  node?: string | null;
  /** Its engine containers: how many exist (wanted: scale's count) and how many of them run. The rest describes replica 1. */
  replicas: { wanted: number; running: number };
}

/** One replica in D/<name>/inspect's `replicas`. */
export interface ReplicaDict {
  replica: number;
  id: string;
  state: string;
  status: string;
  health: ContainerDict['health'];
  /** The swarm node (engine: swarm), else null: every replica runs on berth's one engine. */
  node: string | null;
  startedAt: string | null;
}

export interface ImageDict {
  name: string;
  id: string;
  created: string;
  size: number;
  /** Where D/build got it (null for images berth did not build): the URL as given, with #ref:subdir. */
  url: string | null;
  ref: string | null;
  commit: string | null;
  base: string | null;
  command: string[] | null;
  built: string | null;
  /** Its release number (label berth.release); null for images made before releases or by hand. */
  release: number | null;
  /** Who built it (label berth.owner; `anonymous` for images built before owners existed). */
  owner: string;
  /**
   * Where it was pushed: `<registry>/berth/<D>/<name>@sha256:…` from the image's RepoDigests; null when no
   * registry is configured or this image is not in it.
   */
  registry: string | null;
}

/** `c` is the name's first replica, `replicas` all of them (the index's getReplicas; [c] for a one-replica container). */
export function containerDict(c: ContainerRecord, replicas: readonly ContainerRecord[] = [c]): ContainerDict {
  return {
    name: c.name,
    image: c.image,
    domain: containerDomain(c.domain, c.name),
    id: c.id,
    state: c.state,
    status: containerStatus(c),
    created: c.created,
    startedAt: c.startedAt,
    finishedAt: c.finishedAt,
    exitCode: c.exitCode,
    health: healthOf(c),
    owner: itemOwner(c.labels),
    ...(c.swarm ? { node: c.swarm.node } : {}),
    replicas: { wanted: replicas.length, running: replicas.filter((r) => r.state === 'running').length },
  };
}

export function replicaDict(r: ContainerRecord): ReplicaDict {
  return {
    replica: replicaOf(r.labels),
    id: r.id,
    state: r.state,
    status: containerStatus(r),
    health: healthOf(r),
    node: r.swarm?.node ?? null,
    startedAt: r.startedAt,
  };
}

const HEALTH_STATES = ['starting', 'healthy', 'unhealthy'] as const;

/** The engine says "none" (or nothing) for a container without a health check: that is null. */
function healthOf(c: ContainerRecord): ContainerDict['health'] {
  return (HEALTH_STATES as readonly string[]).includes(c.health ?? '') ? (c.health as ContainerDict['health']) : null;
}

/** `registry` is config `registry` (the image's pushed reference is looked up there), undefined when none is configured. */
export function imageDict(i: ImageRecord, registry?: string): ImageDict {
  const l = i.labels;
  return {
    name: i.name,
    id: i.id,
    created: i.created,
    size: i.size,
    url: l[LABELS.url] || null,
    ref: l[LABELS.ref] || null,
    commit: l[LABELS.commit] || null,
    base: l[LABELS.base] || null,
    command: parseCommand(l[LABELS.command]),
    built: l[LABELS.built] || null,
    release: releaseOf(l),
    owner: itemOwner(l),
    registry: registryReference(i, registry, l[LABELS.domain] ?? '', i.name),
  };
}

/**
 * inspect(): the container dict plus what it runs with, including every limit and restriction in force (replica 1's;
 * every replica is made alike), and each replica.
 */
export function containerDetails(c: ContainerRecord, replicas: readonly ContainerRecord[] = [c]) {
  const r = c.resources;
  const nofile = r.ulimits.find((u) => u.name === 'nofile');
  const dict = containerDict(c, replicas);
  return {
    ...dict,
    replicas: { ...dict.replicas, list: replicas.map(replicaDict) },
    oomKilled: c.oomKilled,
    // engine: swarm: the service (its ID is the container's `id`), its current task and that task's container.
    ...(c.swarm ? { swarm: { ...c.swarm } } : {}),
    config: {
      // The container's ticket is its secret: shown as present, never its value.
      environment: Object.fromEntries(c.env.map((kv) => splitEnv(kv)).map(([k, v]) => [k, k === 'WAMP_TICKET' ? REDACTED : v])),
      command: c.cmd,
      entrypoint: c.entrypoint,
      workingDir: c.workingDir,
      user: c.user,
      resources: {
        memory: r.memory,
        memorySwap: r.memorySwap,
        cpus: r.nanoCpus === null ? null : r.nanoCpus / 1e9,
        pids: r.pidsLimit,
        nofile: nofile ? nofile.hard : null,
      },
      security: {
        privileged: r.privileged,
        readonlyRootfs: r.readonlyRootfs,
        tmpfs: r.tmpfs,
        capDrop: r.capDrop,
        capAdd: r.capAdd,
        securityOpt: r.securityOpt,
        pidMode: r.pidMode,
        ipcMode: r.ipcMode,
        mounts: r.mounts,
      },
      restartPolicy: r.restartPolicy,
      network: r.networkMode,
      log: r.log,
      labels: c.labels,
    },
  };
}

function splitEnv(kv: string): [string, string] {
  const i = kv.indexOf('=');
  return i < 0 ? [kv, ''] : [kv.slice(0, i), kv.slice(i + 1)];
}

function parseCommand(label: string | undefined): string[] | null {
  if (!label) return null;
  try {
    const v = JSON.parse(label) as unknown;
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : null;
  } catch {
    return null;
  }
}
