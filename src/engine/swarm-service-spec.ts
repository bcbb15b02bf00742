import { createHash } from 'node:crypto';
import type { ContainerSpec } from './engine.js';
import type { SwarmServiceSpec } from './swarm-api.js';

/** On services (engine: swarm): the local image ID the service's digest reference was pushed from. */
export const IMAGE_ID_LABEL = 'berth.image-id';
/**
 * On services: set by the first start. Swarm deletes the tasks of a service scaled to 0 after a while, so a stopped
 * service can have no task at all, like one never started; without this the restart sweep took it for a half-made create.
 */
export const STARTED_LABEL = 'berth.started';

/**
 * The service's name for a container's engine name `D.<name>`: Swarm takes only DNS labels (letters, digits, `-`, `_`;
 * no dots; at most 63), so the dots become dashes and a digest of the engine name keeps two domains apart that would
 * read alike ("a.b" and "a-b"). berth finds its services by labels; the name is for people reading `docker service ls`.
 */
export function serviceName(engineName: string): string {
  const hash = createHash('sha256').update(engineName).digest('hex').slice(0, 8);
  return `${engineName.replace(/[^a-z0-9_-]/gi, '-').slice(0, 63 - 9).replace(/[-_]+$/, '')}-${hash}`;
}

/** Swarm has three restart conditions; `unless-stopped` and `always` both mean "any" (a stop scales to 0 instead). */
const RESTART: Readonly<Record<string, 'none' | 'on-failure' | 'any'>> = { no: 'none', 'on-failure': 'on-failure', always: 'any', 'unless-stopped': 'any' };

/**
 * A berth container as a Swarm service: one replica (0 while stopped), the container's labels on the service
 * and on its task containers, the image by digest (`image`), and the container's sandbox where a service has the
 * setting. `no-new-privileges` has no service setting (moby
 * #41371): every node's daemon must enforce it (checked when berth starts). Never a bind mount, never privileged, no
 * host namespaces: a service spec cannot ask for those except by the fields left out here.
 *
 * Its network is an overlay of its own (`network`, made by the caller): no other container is on it, and its way out
 * (to the router) is its node's `docker_gwbridge`, which Swarm makes with inter-container traffic off. So no container
 * reaches another one, whichever nodes they run on, without relying on how each node's daemon is configured (a task on
 * no network would land on its node's default bridge, isolated only if that daemon runs with --icc=false).
 */
export function toServiceSpec(spec: ContainerSpec, image: string, stopGraceSeconds: number, replicas: 0 | 1, network?: string): SwarmServiceSpec {
  const sb = spec.sandbox;
  return {
    Name: serviceName(spec.engineName),
    Labels: { ...spec.labels, [IMAGE_ID_LABEL]: spec.imageId },
    TaskTemplate: {
      ContainerSpec: {
        Image: image,
        Labels: { ...spec.labels },
        Env: [...spec.env],
        User: sb.user,
        ReadOnly: sb.readOnlyRootfs,
        Mounts: [
          { Type: 'tmpfs', Target: '/tmp', TmpfsOptions: { SizeBytes: sb.tmpfsSize, Mode: 0o1777 } },
          ...spec.volumes.map((v) => ({ Type: 'volume' as const, Source: v.name, Target: v.path, ReadOnly: false })),
        ],
        StopGracePeriod: stopGraceSeconds * 1e9,
        CapabilityDrop: ['ALL'],
        CapabilityAdd: [...sb.capAdd],
        Ulimits: [{ Name: 'nofile', Soft: sb.nofile, Hard: sb.nofile }],
        Init: false,
      },
      Resources: { Limits: { MemoryBytes: sb.memory, NanoCPUs: sb.nanoCpus, Pids: sb.pids } },
      RestartPolicy: { Condition: RESTART[sb.restartPolicy] ?? 'any', MaxAttempts: 0 },
      Networks: network ? [{ Target: network }] : [],
      LogDriver: { Name: 'json-file', Options: { 'max-size': String(sb.logMaxSize), 'max-file': String(sb.logMaxFiles) } },
      ForceUpdate: 0,
    },
    Mode: { Replicated: { Replicas: replicas } },
    UpdateConfig: { Parallelism: 1, Order: 'stop-first', FailureAction: 'pause' },
    // No virtual IP: nothing addresses a berth container by its service name, and a VIP needs IPVS on every node.
    EndpointSpec: { Mode: 'dnsrr' },
  };
}
