import { Writable } from 'node:stream';
import { Appliance } from '../../../src/appliance/appliance.js';
import { ContainerIndex } from '../../../src/engine/container-index.js';
import type { ContainerRecord, ContainerSpec, Engine, ImageRecord } from '../../../src/engine/engine.js';
import { LABELS } from '../../../src/engine/labels.js';
import { isBerthError } from '../../../src/errors.js';
import { createLogger } from '../../../src/log.js';
import type { Builder } from '../../../src/pipeline/builder.js';
import { sandboxSchema } from '../../../src/sandbox-config.js';
import type { Tenancy } from '../../../src/tenancy/tenancy.js';
import type { Call, Handler } from '../../../src/wamp/call.js';
import type { PublishOptions, RegisterOptions, WampSession } from '../../../src/wamp/wamp-session.js';

export const D = 'own.test';

/** A scripted engine: just enough state for the appliance's ownership logic; the real engine is the integration suites'. */
export class FakeEngine {
  readonly containers = new Map<string, ContainerRecord>();
  readonly images = new Map<string, ImageRecord>();
  private next = 1;
  /** Delays engine creates, so that concurrent calls really overlap. */
  createDelayMs = 0;

  addImage(name: string, labels: Record<string, string> = {}): ImageRecord {
    const id = `sha256:img${this.next++}`;
    const image: ImageRecord = { id, name, created: new Date(Date.now() + this.next).toISOString(), size: 1, labels: { [LABELS.domain]: D, [LABELS.name]: name, ...labels }, tags: [] };
    this.images.set(id, image);
    return image;
  }

  async fetchContainerIds(domain: string) {
    return [...this.containers.values()].filter((c) => c.domain === domain).map((c) => c.id);
  }
  async fetchContainerSummaries(domain: string) {
    return [...this.containers.values()].filter((c) => c.domain === domain).map((c) => ({ id: c.id, engineName: c.engineName, state: c.state, labels: c.labels }));
  }
  async fetchContainer(idOrName: string) {
    return this.containers.get(idOrName) ?? [...this.containers.values()].find((c) => c.engineName === idOrName);
  }
  async createContainer(spec: ContainerSpec) {
    await new Promise((r) => setTimeout(r, this.createDelayMs));
    const id = `c${this.next++}`;
    const labels = spec.labels;
    const image = [...this.images.values()].find((i) => i.id === spec.imageId);
    this.containers.set(id, record(id, spec.engineName, labels[LABELS.name]!, labels[LABELS.image] ?? image?.name ?? '', spec.imageId, { ...labels }, [...spec.env]));
    return id;
  }
  async startContainer(id: string) {
    this.set(id, { state: 'running', startedAt: new Date().toISOString() });
  }
  async stopContainer(id: string) {
    this.set(id, { state: 'exited' });
  }
  async restartContainer(id: string) {
    this.set(id, { state: 'running' });
  }
  async renameContainer(id: string, engineName: string) {
    this.set(id, { engineName });
  }
  async removeContainer(id: string) {
    this.containers.delete(id);
  }
  async fetchLogs() {
    return 'a log line\n';
  }
  async fetchUsage() {
    return { cpuPercent: 0, memoryUsage: 0, memoryLimit: 0, pids: 1 };
  }
  async fetchProcesses() {
    return { titles: ['PID'], processes: [['1']] };
  }
  async fetchContainersUsingImage(imageId: string) {
    return [...this.containers.values()].filter((c) => c.imageId === imageId).map((c) => c.id);
  }
  async fetchImages(domain: string) {
    return [...this.images.values()].filter((i) => i.labels[LABELS.domain] === domain);
  }
  async fetchImage(id: string) {
    return this.images.get(id);
  }
  async removeImage(id: string) {
    this.images.delete(id);
  }
  async ensureNetwork() {
    return 'net';
  }
  async watchContainers() {
    return { close: () => undefined };
  }

  private set(id: string, patch: Partial<ContainerRecord>) {
    const c = this.containers.get(id);
    if (c) this.containers.set(id, { ...c, ...patch });
  }
}

export function record(id: string, engineName: string, name: string, image: string, imageId: string, labels: Record<string, string>, env: string[] = []): ContainerRecord {
  return {
    id, engineName, name, domain: labels[LABELS.domain] ?? D, image, imageId, state: 'created', created: new Date().toISOString(), startedAt: null, finishedAt: null,
    exitCode: null, restarting: false, oomKilled: false, health: null, labels, env, cmd: null, entrypoint: null, workingDir: '', user: '',
    resources: {
      memory: null, memorySwap: null, nanoCpus: null, pidsLimit: null, restartPolicy: 'no', readonlyRootfs: true, capDrop: [], capAdd: [], securityOpt: [],
      privileged: false, networkMode: 'net', pidMode: '', ipcMode: '', tmpfs: {}, ulimits: [], log: { type: 'json-file', config: {} }, mounts: [],
    },
  };
}

/** Builds that finish when the test says so (`finish(name)`), labelling the image as the real builder does. */
export class FakeBuilder {
  private readonly jobs = new Map<string, { resolve: () => void; reject: (e: Error) => void }>();
  constructor(private readonly engine: FakeEngine) {}
  isBuilding(name: string) {
    return this.jobs.has(name);
  }
  async build(name: string, url: string, onLine: (line: string) => void, options: { labels?: Record<string, string> } = {}) {
    if (this.jobs.has(name)) throw Object.assign(new Error('busy'), { busy: true });
    const done = new Promise<void>((resolve, reject) => this.jobs.set(name, { resolve, reject }));
    onLine(`building ${name}`);
    try {
      await done;
    } finally {
      this.jobs.delete(name);
    }
    const image = this.engine.addImage(name, { ...options.labels, [LABELS.url]: url });
    return { imageId: image.id, release: 1, identical: false, lines: [`building ${name}`] };
  }
  finish(name: string) {
    this.jobs.get(name)?.resolve();
  }
  async cancel(name: string) {
    const job = this.jobs.get(name);
    if (!job) return false;
    job.reject(new Error('canceled'));
    return true;
  }
  async pruneReleases() {}
  async makeCurrent() {}
}

export class FakeSession implements WampSession {
  readonly handlers = new Map<string, Handler>();
  /** Prefix registrations (`match: 'prefix'`), which a router consults when no exact registration has the URI. */
  readonly prefixes = new Map<string, Handler>();
  readonly published: { topic: string; args: unknown[]; kwargs?: Record<string, unknown>; options?: PublishOptions }[] = [];
  start() {}
  async stop() {}
  async register(uri: string, handler: Handler, options: RegisterOptions = {}) {
    (options.match === 'prefix' ? this.prefixes : this.handlers).set(uri, handler);
  }
  async unregister(uri: string) {
    this.handlers.delete(uri);
    this.prefixes.delete(uri);
  }
  /** The handler a router would invoke for `procedure`: the exact registration, else the longest matching prefix. */
  route(procedure: string): Handler | undefined {
    const prefix = [...this.prefixes.keys()].filter((p) => procedure.startsWith(p)).sort((a, b) => b.length - a.length)[0];
    return this.handlers.get(procedure) ?? (prefix === undefined ? undefined : this.prefixes.get(prefix));
  }
  async publish(topic: string, args: unknown[], kwargs?: Record<string, unknown>, options?: PublishOptions) {
    this.published.push({ topic, args, kwargs, options });
  }
  async subscribe() {}
  async call(): Promise<unknown> {
    return null;
  }
  onJoined() {}
}

/** pino's JSON lines, collected (the sink pattern from pino's own tests). */
export function logSink(): { stream: Writable; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { stream, lines };
}

export type Who = { authid?: string; authrole?: string } | undefined;

export const ALICE: Who = { authid: 'alice', authrole: 'user' };
export const BOB: Who = { authid: 'bob', authrole: 'user' };
export const ADMIN: Who = { authid: 'root', authrole: 'admin' };
export const ANON: Who = { authid: 'x1', authrole: 'anonymous' };

export interface World {
  engine: FakeEngine;
  index: ContainerIndex;
  builder: FakeBuilder;
  session: FakeSession;
  appliance: Appliance;
  log: Record<string, unknown>[];
  revoked: string[];
  /** Call a procedure (`create` or `web/start`) as `who`; resolves with the result or rejects with the BerthError. */
  call: (who: Who, op: string, args?: unknown[], kwargs?: Record<string, unknown>) => Promise<unknown>;
  /** The error URI a call fails with ('ok' if it succeeds). */
  outcome: (who: Who, op: string, args?: unknown[], kwargs?: Record<string, unknown>) => Promise<string>;
  stop: () => void;
}

export async function world(tenancy: Partial<Tenancy> = {}, replicas: { max?: number; swarm?: boolean } = {}, seed?: (engine: FakeEngine) => void): Promise<World> {
  const engine = new FakeEngine();
  seed?.(engine);
  const builder = new FakeBuilder(engine);
  const session = new FakeSession();
  const sink = logSink();
  const log = createLogger('info', sink.stream);
  const index = new ContainerIndex(engine as unknown as Engine, D, createLogger('silent'));
  const revoked: string[] = [];
  const appliance = new Appliance({
    domain: D,
    realm: 'realm1',
    containerRouterUrl: 'ws://host.berth.internal:8080/ws',
    engine: engine as unknown as Engine,
    index,
    session,
    log,
    sandbox: sandboxSchema.parse({}),
    builder: builder as unknown as Builder,
    exec: { maxOutputBytes: 1024 ** 2, maxTimeout: 3600, perContainer: 4 },
    update: { settleSeconds: 0 },
    replicas: { max: 8, swarm: false, ...replicas },
    tenancy: {
      callers: 'owner',
      adminRoles: ['admin'],
      quotas: { containers: 50, builds: 2, replicas: 8 },
      callAppliance: false,
      revokeSessions: async (authid) => void revoked.push(authid),
      ...tenancy,
    },
  });
  await appliance.start();
  const call = async (who: Who, op: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}) => {
    const procedure = `${D}/${op}`;
    const handler = session.route(procedure);
    if (!handler) throw new Error(`no handler for ${procedure}`);
    const c: Call = { procedure, args, kwargs, caller: who && { session: 1, ...who } };
    return handler(c);
  };
  const outcome = async (who: Who, op: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}) => {
    try {
      await call(who, op, args, kwargs);
      return 'ok';
    } catch (err) {
      if (isBerthError(err)) return err.uri;
      throw err;
    }
  };
  return { engine, index, builder, session, appliance, log: sink.lines, revoked, call, outcome, stop: () => index.stop() };
}

/** Wait until the condition holds (at most 2 s). */
export async function until(what: string, cond: () => boolean): Promise<void> {
  const end = Date.now() + 2_000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
