import { EventEmitter } from 'node:events';
import { failures } from '../errors.js';
import type { Logger } from '../log.js';
import type { ContainerRecord, Engine, EngineEvent, EventSubscription } from './engine.js';
import { isBuildStepCommand } from './build-step.js';
import { engineContainerName, LABELS, replicaOf } from './labels.js';

/** One engine event on a container of this domain, once the index has applied it. */
export interface IndexChange {
  readonly event: EngineEvent;
  /** The record as the index had it before (undefined: not in view, e.g. new, or a replacement under its temporary name). */
  readonly before: ContainerRecord | undefined;
  /** The record after (undefined: gone, or not in view). */
  readonly after: ContainerRecord | undefined;
}

export interface ContainerIndexEvents {
  added: [ContainerRecord];
  removed: [ContainerRecord];
  available: [boolean];
  change: [IndexChange];
}

const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 5_000;
const SYNC_CONCURRENCY = 32;
const GONE_KEPT = 1_000;
const DESTROYED_KEPT = 10_000;

/**
 * The in-memory view of this domain's containers, kept current by the engine's event stream.
 * When the engine goes away the index marks itself unavailable, retries with backoff, and resyncs in full when it returns.
 */
export class ContainerIndex extends EventEmitter<ContainerIndexEvents> {
  private readonly byId = new Map<string, ContainerRecord>();
  /** Per berth name, its replicas by number (label berth.replica): one engine container each. */
  private readonly byName = new Map<string, Map<number, ContainerRecord>>();
  /**
   * Records lately dropped (e.g. `forget` after a remove, before the engine's `destroy` event arrives), so that the
   * `change` for a late event still says which container it was. Bounded: the oldest go first.
   */
  private readonly gone = new Map<string, ContainerRecord>();
  /**
   * IDs of containers known to be destroyed (berth removed them, or the engine said "no such container"). A look at
   * one that the engine answered before the removal can arrive after it; applied, it would bring the container back
   * and its name would look taken to the next create of that name. The engine never reuses an ID. Bounded.
   */
  private readonly destroyed = new Set<string>();
  /** Per-id chain so that refreshes of one container apply in the order they were asked for. */
  private readonly pending = new Map<string, Promise<void>>();
  private subscription: EventSubscription | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelay = RETRY_MIN_MS;
  private stopped = false;
  private available = false;

  constructor(
    private readonly engine: Engine,
    private readonly domain: string,
    private readonly log: Logger,
  ) {
    super();
  }

  /** First sync; resolves once the view is complete, or once the engine is known to be unreachable (it keeps retrying). */
  async start(): Promise<void> {
    await this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.subscription?.close();
    this.subscription = undefined;
  }

  isAvailable(): boolean {
    return this.available;
  }

  /** Throws engine_unavailable while the view may be stale. */
  assertAvailable(): void {
    if (!this.available) throw failures.engineUnavailable();
  }

  /** One record per berth name: its lowest-numbered replica (replica 1 unless someone removed it out-of-band). */
  getAll(): ContainerRecord[] {
    return [...this.byName.values()].map(lowest);
  }

  /** Every engine container of the domain, every replica of every name. */
  getAllReplicas(): ContainerRecord[] {
    return [...this.byName.values()].flatMap((group) => [...group.values()]);
  }

  /** The name's lowest-numbered replica (replica 1): what carries the name's owner, image and first ticket. */
  getByName(name: string): ContainerRecord | undefined {
    const group = this.byName.get(name);
    return group && lowest(group);
  }

  /** Every replica of the name, by replica number; [] when the name does not exist. */
  getReplicas(name: string): ContainerRecord[] {
    return [...(this.byName.get(name)?.values() ?? [])].sort((a, b) => replicaOf(a.labels) - replicaOf(b.labels));
  }

  /**
   * Re-read one container from the engine and apply what it says (added, changed or gone). Rejects with the engine's
   * error, so a caller never answers from a view it failed to bring up to date.
   */
  refresh(id: string): Promise<void> {
    const previous = this.pending.get(id) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.apply(id));
    this.pending.set(id, next);
    const settled = () => {
      if (this.pending.get(id) === next) this.pending.delete(id);
    };
    next.then(settled, settled);
    return next;
  }

  /** Forget a container that berth itself removed, without waiting for the event. */
  forget(id: string): void {
    this.markDestroyed(id);
    const record = this.byId.get(id);
    if (record) this.drop(record);
  }

  private markDestroyed(id: string): void {
    this.destroyed.add(id);
    if (this.destroyed.size > DESTROYED_KEPT) this.destroyed.delete(this.destroyed.values().next().value!);
  }

  private async apply(id: string): Promise<void> {
    const record = await this.engine.fetchContainer(id);
    const old = this.byId.get(id);
    if (!record) this.markDestroyed(id);
    if (!record || !this.belongs(record)) {
      if (old) this.drop(old);
      return;
    }
    this.put(record);
  }

  /** This domain's, and not a replacement still under its temporary name (updateImage owns that one until it is swapped in). */
  private belongs(record: ContainerRecord): boolean {
    if (record.domain !== this.domain) return false;
    // A step container of a build: the image's labels are the Dockerfile's closing LABEL step, so the classic
    // builder's container for it carries the domain's labels for a moment. Never one of the domain's.
    // (A container berth made is named `D.<name>`, so a Run.yaml Command that looks like such a step cannot hide one.)
    if (isBuildStepCommand(record.cmd) && !record.engineName.startsWith(`${this.domain}.`)) return false;
    if ((record.labels[LABELS.build] ?? '') !== '') return false;
    return !record.labels[LABELS.replaces] || record.engineName === engineContainerName(this.domain, record.name);
  }

  /**
   * A new record for a name's replica takes over from the old one before the old one is reported gone, so the name never
   * looks free. `added` and `removed` are per engine container: a name's endpoints follow its first and last replica.
   */
  private put(record: ContainerRecord): void {
    if (this.destroyed.has(record.id)) return;
    const old = this.byId.get(record.id);
    const replica = replicaOf(record.labels);
    const group = this.byName.get(record.name) ?? new Map<number, ContainerRecord>();
    const clash = group.get(replica);
    this.byId.set(record.id, record);
    group.set(replica, record);
    this.byName.set(record.name, group);
    if (clash && clash.id !== record.id) {
      this.byId.delete(clash.id);
      this.emit('removed', clash);
    }
    if (!old) this.emit('added', record);
  }

  private drop(record: ContainerRecord): void {
    this.byId.delete(record.id);
    this.gone.set(record.id, record);
    if (this.gone.size > GONE_KEPT) this.gone.delete(this.gone.keys().next().value!);
    const group = this.byName.get(record.name);
    const replica = replicaOf(record.labels);
    if (group?.get(replica)?.id === record.id) group.delete(replica);
    if (group?.size === 0) this.byName.delete(record.name);
    this.emit('removed', record);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    try {
      // Subscribe first so that nothing that happens during the full sync is missed.
      this.subscription = await this.engine.watchContainers(
        this.domain,
        (e) => this.onEngineEvent(e),
        (err) => this.onStreamEnd(err),
        (line) => this.log.warn({ line }, 'skipped a malformed engine event'),
      );
      await this.sync();
      this.retryDelay = RETRY_MIN_MS;
      this.setAvailable(true);
    } catch (err) {
      this.subscription?.close();
      this.subscription = undefined;
      this.setAvailable(false);
      this.log.warn({ err: (err as Error).message, retryInMs: this.retryDelay }, 'Docker engine unavailable');
      this.scheduleRetry();
    }
  }

  /**
   * Apply what an engine event changed, then tell listeners (`change`: the event, the record before and after), in the
   * engine's order per container (refreshes of one container are serialized).
   */
  private onEngineEvent(e: EngineEvent): void {
    const before = this.byId.get(e.id) ?? this.gone.get(e.id);
    this.refresh(e.id).then(
      () => {
        if (e.action === 'destroy') this.gone.delete(e.id);
        this.emit('change', { event: e, before, after: this.byId.get(e.id) } satisfies IndexChange);
      },
      (err: Error) => this.log.warn({ err: err.message, id: e.id }, 'refresh after an engine event failed'),
    );
  }

  private onStreamEnd(err?: Error): void {
    if (this.stopped) return;
    this.subscription = undefined;
    this.setAvailable(false);
    this.log.warn({ err: err?.message }, 'lost the Docker engine event stream; reconnecting');
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.stopped || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.connect();
    }, this.retryDelay);
    this.retryDelay = Math.min(this.retryDelay * 2, RETRY_MAX_MS);
  }

  private async sync(): Promise<void> {
    const ids = await this.engine.fetchContainerIds(this.domain);
    const present = new Set(ids);
    for (const record of [...this.byId.values()]) if (!present.has(record.id)) this.drop(record);
    const queue = [...ids];
    const worker = async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        const record = await this.engine.fetchContainer(id);
        if (record && this.belongs(record)) this.put(record);
        else {
          const old = this.byId.get(id);
          if (old) this.drop(old);
        }
      }
    };
    await Promise.all(Array.from({ length: SYNC_CONCURRENCY }, worker));
  }

  private setAvailable(value: boolean): void {
    if (this.available === value) return;
    this.available = value;
    this.emit('available', value);
  }
}

function lowest(group: ReadonlyMap<number, ContainerRecord>): ContainerRecord {
  return group.get(Math.min(...group.keys()))!;
}
