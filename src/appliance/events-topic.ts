import type { IndexChange } from '../engine/container-index.js';
import type { ContainerRecord } from '../engine/engine.js';
import { replicaOf } from '../engine/labels.js';
import { buildAudience } from '../tenancy/build-audience.js';
import { itemOwner } from '../tenancy/callers.js';
import { applianceUri } from '../wamp/uris.js';
import type { ApplianceContext } from './context.js';
import { containerDict, type ImageDict } from './shape.js';

/** The engine's container actions as `D/events` names them; other actions change nothing a caller sees. */
const CONTAINER_EVENTS: Readonly<Record<string, string>> = {
  create: 'created',
  start: 'started',
  die: 'died',
  stop: 'stopped',
  restart: 'restarting',
  destroy: 'removed',
};

/** The engine's `health_status: healthy` (and `: unhealthy`, `: starting`): told as `health` with the new state. */
const HEALTH_ACTION = /^health_status(:|$)/;

export type ApplianceEvent = Record<string, unknown> & { event: string; name: string; time: string };

/**
 * One `D/events` event for an engine event on a container of this domain, or undefined when there is none to tell: an
 * action nobody needs, or a container out of view (a replacement under its temporary name). A replacement swapped in
 * under the container's name (a rename into view) is told as `created`, with the new container's dict.
 */
export function containerEvent(change: IndexChange, now: () => Date = () => new Date(), replicas?: readonly ContainerRecord[]): ApplianceEvent | undefined {
  const { event, before, after } = change;
  const record = after ?? before;
  if (!record) return undefined;
  const kind = event.action === 'rename' && after && !before ? 'created' : HEALTH_ACTION.test(event.action) ? 'health' : CONTAINER_EVENTS[event.action];
  if (!kind) return undefined;
  const out: ApplianceEvent = { event: kind, name: record.name, time: event.time ?? now().toISOString() };
  // An event of a replica beyond the first says which (its `removed` is a scale down, not the container's removal).
  const replica = replicaOf(record.labels);
  if (replica > 1) {
    // The container is still there: `container` describes it as D/list does (its first replica and the count).
    out.replica = replica;
    const first = replicas?.[0];
    if (first) out.container = containerDict(first, replicas);
  } else if (after) out.container = containerDict(after, replicas?.length ? replicas : [after]);
  // The state the engine reached (from the record read after the event, so it matches `container.health`).
  if (kind === 'health') out.health = after ? containerDict(after).health : (event.action.split(': ')[1] ?? null);
  if (kind === 'died') Object.assign(out, { exitCode: after?.exitCode ?? null, oomKilled: after?.oomKilled ?? false });
  return out;
}

/**
 * Publishes `D/events`: every change of a managed container, from the engine's event stream through the
 * index, and image-built / image-rollback / image-removed from the procedures that make them. Each event reaches only those who may see
 * its item: the owner and admin roles (`callers: owner`), or everyone (`open`).
 */
export class EventsTopic {
  private readonly topic: string;

  constructor(private readonly ctx: ApplianceContext) {
    this.topic = applianceUri(ctx.domain, 'events');
  }

  /** Follow the index; call once, before the index starts. */
  start(): void {
    this.ctx.index.on('change', (change) => {
      const record = change.after ?? change.before;
      const e = containerEvent(change, undefined, record && this.ctx.index.getReplicas(record.name));
      if (e && record) this.publish(e, itemOwner(record.labels));
    });
  }

  imageBuilt(image: ImageDict): void {
    this.publish({ event: 'image-built', name: image.name, time: new Date().toISOString(), image }, image.owner);
  }

  /** D/rollback made an earlier release the name's current one. */
  imageRollback(image: ImageDict): void {
    this.publish({ event: 'image-rollback', name: image.name, time: new Date().toISOString(), release: image.release, image }, image.owner);
  }

  imageRemoved(name: string, owner: string): void {
    this.publish({ event: 'image-removed', name, time: new Date().toISOString() }, owner);
  }

  private publish(e: ApplianceEvent, owner: string): void {
    for (const options of buildAudience(this.ctx.tenancy, owner)) void this.ctx.session.publish(this.topic, [e], {}, options);
  }
}
