import { environmentSchema, toEnvList } from '../container-environment.js';
import { hashTicket, mintTicket } from '../container-ticket.js';
import { ownerLabels } from '../tenancy/callers.js';
import { HOST_ALIAS } from '../container-router-url.js';
import type { ContainerSpec, ImageRecord, SandboxSpec, VolumeMount } from '../engine/engine.js';
import { LABELS, replicaEngineName } from '../engine/labels.js';
import { containerDomain } from '../wamp/uris.js';
import { imageVolumePaths, volumeName } from './volume-name.js';
import type { OpsContext } from './ops-context.js';

/** A container to make: what create is asked for, or what a replacement carries over. */
export interface NewContainer {
  readonly name: string;
  readonly image: ImageRecord;
  /** The caller's environment (over the image's Run.yaml Env). */
  readonly environment: Readonly<Record<string, string>>;
  readonly sandbox: SandboxSpec;
  /** Who owns it (labels berth.owner, berth.owner-role): its creator, or for a replacement the old container's. */
  readonly owner: { readonly owner: string; readonly role: string };
  /**
   * Only for a replacement: the old container's ticket, carried over so that the replacement's session keeps joining
   * with it and nothing revokes it. A new container always gets a new one.
   */
  readonly ticket?: string;
  /** Only for a replacement: the container it replaces, and its temporary engine name. */
  readonly replaces?: { readonly id: string; readonly engineName: string };
  /** Which replica of the name (1..n; default 1): its REPLICA variable, label berth.replica and engine name. */
  readonly replica?: number;
}

export function containerSpec(ctx: OpsContext, c: NewContainer, network: string): ContainerSpec {
  // A new ticket for every new container; a replacement keeps its predecessor's (read from that container's env).
  const { ticket, hash } = c.ticket ? { ticket: c.ticket, hash: hashTicket(c.ticket) } : mintTicket();
  const replica = c.replica ?? 1;
  const env = [
    // Run.yaml's Env (recorded on the image) is the default layer; the caller's environment overrides it.
    ...toEnvList({ ...imageEnvironment(ctx, c.image), ...c.environment }),
    `WS_URL=${ctx.containerRouterUrl}`,
    `DOMAIN=${containerDomain(ctx.domain, c.name)}`,
    `WAMP_REALM=${ctx.realm}`,
    `WAMP_AUTHID=${containerDomain(ctx.domain, c.name)}`,
    `WAMP_TICKET=${ticket}`,
    `REPLICA=${replica}`,
  ];
  const labels: Record<string, string> = {
    [LABELS.domain]: ctx.domain,
    [LABELS.name]: c.name,
    [LABELS.image]: c.image.name,
    [LABELS.origin]: 'berth',
    [LABELS.ticket]: hash,
    [LABELS.replica]: String(replica),
    ...ownerLabels(c.owner.owner, c.owner.role),
  };
  if (c.replaces) labels[LABELS.replaces] = c.replaces.id;
  return {
    engineName: c.replaces?.engineName ?? replicaEngineName(ctx.domain, c.name, replica),
    imageId: c.image.id,
    env,
    labels,
    extraHosts: [`${HOST_ALIAS}:host-gateway`],
    network,
    // A replacement on probation has no restart policy: one that exits is seen exited, with its code, whenever berth
    // looks (with the policy the engine could restart it before berth's first look, hiding the exit). It gets the
    // policy once confirmed (replace-container.ts; recover-containers.ts for a swap a killed berth finishes).
    sandbox: c.replaces ? { ...c.sandbox, restartPolicy: 'no' } : c.sandbox,
    volumes: containerVolumes(ctx.domain, c.name, c.image),
  };
}

/**
 * The named volumes a container of this name on this image mounts: one per path the image declares, named from the
 * container's name and the path alone, so a replacement or a re-created container of the name mounts the same ones.
 */
export function containerVolumes(domain: string, name: string, image: ImageRecord): VolumeMount[] {
  return imageVolumePaths(image).map((path) => ({ name: volumeName(domain, name, path), path }));
}

function imageEnvironment(ctx: OpsContext, image: ImageRecord): Record<string, string> {
  const label = image.labels[LABELS.env];
  if (!label) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(label);
  } catch {
    parsed = undefined;
  }
  const env = environmentSchema.safeParse(parsed);
  if (env.success) return env.data;
  ctx.log.warn({ image: image.name }, `ignoring the malformed ${LABELS.env} label of the image`);
  return {};
}
