import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ContainerRecord } from '../engine/container-record.js';
import type { RouterSnapshot } from '../router/router-stats.js';
import { healthLabel, HEALTH_STATUSES, LIMITS, operationLabel, OUTCOME_LIMITS, outcomeLabel, procedureLabeller, type Limit } from './metric-labels.js';

/**
 * berth's Prometheus metrics: the one owner of the registry (the rest of berth records through these functions and
 * never imports prom-client). Disabled, every function does nothing and nothing is collected.
 */
export interface Metrics {
  readonly enabled: boolean;
  /** The appliance's procedure names (`create`, `list`, …): the only procedure labels besides `container/<op>` and `other`. */
  knowProcedures(applianceOps: readonly string[]): void;
  /** One answered call: the URI it reached, `ok` or the error URI, and how long berth took. */
  callAnswered(uri: string, outcome: string, seconds: number): void;
  buildFinished(outcome: string, seconds: number): void;
  engineRequest(operation: string, seconds: number): void;
  /** The embedded router's counters, read at each scrape. */
  watchRouter(snapshot: () => RouterSnapshot): void;
  /** The domain's containers (the index), read at each scrape: only existing containers' names become labels. */
  watchContainers(list: () => readonly ContainerRecord[]): void;
  /** The text exposition format. */
  scrape(): Promise<string>;
  readonly contentType: string;
}

const CALL_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
const BUILD_BUCKETS = [1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
const ENGINE_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

const noop = () => undefined;

export const NO_METRICS: Metrics = {
  enabled: false,
  knowProcedures: noop,
  callAnswered: noop,
  buildFinished: noop,
  engineRequest: noop,
  watchRouter: noop,
  watchContainers: noop,
  scrape: async () => '',
  contentType: 'text/plain; version=0.0.4; charset=utf-8',
};

export function createMetrics(config: { readonly enabled: boolean }, domain: string): Metrics {
  if (!config.enabled) return NO_METRICS;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'berth_' });
  let label = procedureLabeller(domain, []);
  let router: (() => RouterSnapshot) | undefined;
  let containers: () => readonly ContainerRecord[] = () => [];
  const refusals = Object.fromEntries(LIMITS.map((l) => [l, 0])) as Record<Limit, number>;
  const registers = [registry];

  const calls = new Counter({ name: 'berth_calls_total', help: 'Calls answered by berth, per procedure and outcome (ok or the error URI).', labelNames: ['procedure', 'outcome'], registers });
  const callSeconds = new Histogram({ name: 'berth_call_duration_seconds', help: 'How long berth took to answer a call, per procedure.', labelNames: ['procedure'], buckets: CALL_BUCKETS, registers });
  const builds = new Counter({ name: 'berth_builds_total', help: 'Builds finished, per outcome (ok or the error URI).', labelNames: ['outcome'], registers });
  const buildSeconds = new Histogram({ name: 'berth_build_duration_seconds', help: 'How long a build took, queue and clone included.', buckets: BUILD_BUCKETS, registers });
  const engineSeconds = new Histogram({ name: 'berth_engine_request_duration_seconds', help: 'How long a request to the Docker engine took, per operation (the Engine method).', labelNames: ['operation'], buckets: ENGINE_BUCKETS, registers });
  new Counter({
    name: 'berth_limit_refusals_total',
    help: 'Refusals by a limit: the embedded router\'s connection cap, queued bytes, backlog, message size; the appliance\'s quotas and maxResultBytes.',
    labelNames: ['limit'],
    registers,
    collect() {
      this.reset();
      const fromRouter = router?.().stats.refusals;
      for (const limit of LIMITS) this.inc({ limit }, refusals[limit] + (fromRouter?.[limit as keyof typeof fromRouter] ?? 0));
    },
  });
  routerMetrics(registers, () => router?.());
  containerMetrics(registers, () => byName(containers(), domain));

  return {
    enabled: true,
    knowProcedures: (ops) => (label = procedureLabeller(domain, ops)),
    callAnswered(uri, outcome, seconds) {
      const procedure = label(uri);
      calls.inc({ procedure, outcome: outcomeLabel(outcome) });
      callSeconds.observe({ procedure }, seconds);
      const limit = OUTCOME_LIMITS[outcome];
      if (limit) refusals[limit]++;
    },
    buildFinished(outcome, seconds) {
      builds.inc({ outcome: outcomeLabel(outcome) });
      buildSeconds.observe(seconds);
    },
    engineRequest: (operation, seconds) => engineSeconds.observe({ operation: operationLabel(operation) }, seconds),
    watchRouter: (snapshot) => (router = snapshot),
    watchContainers: (list) => (containers = list),
    scrape: () => registry.metrics(),
    contentType: registry.contentType,
  };
}

/** The embedded router's plain counters, turned into metrics only when scraped (nothing per message). */
function routerMetrics(registers: Registry[], snapshot: () => RouterSnapshot | undefined): void {
  const directed = (name: string, help: string, read: (s: RouterSnapshot, inbound: boolean) => number) =>
    new Counter({
      name,
      help,
      labelNames: ['direction'],
      registers,
      collect() {
        const s = snapshot();
        this.reset();
        if (!s) return;
        this.inc({ direction: 'in' }, read(s, true));
        this.inc({ direction: 'out' }, read(s, false));
      },
    });
  directed('berth_router_messages_total', 'WAMP messages through the embedded router\'s connections (in: received from peers, out: sent).', (s, i) => (i ? s.stats.messagesIn : s.stats.messagesOut));
  directed('berth_router_bytes_total', 'Bytes of WAMP frames through the embedded router\'s connections.', (s, i) => (i ? s.stats.bytesIn : s.stats.bytesOut));
  const gauge = (name: string, help: string, read: (s: RouterSnapshot) => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        const s = snapshot();
        this.set(s ? read(s) : 0);
      },
    });
  gauge('berth_router_sessions', 'Sessions joined to the embedded router over the network (berth\'s own in-process session not counted).', (s) => s.sessions);
  gauge('berth_router_queued_bytes', 'Bytes waiting in the embedded router: not yet taken by the kernel, or queued behind a pending authorization.', (s) => s.queuedBytes);
}

/**
 * One record per name: while updateImage or rollback replaces a container, the index holds the replacement (under a
 * temporary engine name) beside the container that still serves as `D.<name>`; the serving one is the name's.
 */
function byName(list: readonly ContainerRecord[], domain: string): ContainerRecord[] {
  const named = new Map<string, ContainerRecord>();
  for (const c of list) if (!named.has(c.name) || c.engineName === `${domain}.${c.name}`) named.set(c.name, c);
  return [...named.values()];
}

/** Per container of the domain, from the index at scrape time: a container that is gone has no series any more. */
function containerMetrics(registers: Registry[], list: () => readonly ContainerRecord[]): void {
  new Gauge({
    name: 'berth_container_up',
    help: 'Whether the container runs (1) or not (0).',
    labelNames: ['name'],
    registers,
    collect() {
      this.reset();
      for (const c of list()) this.set({ name: c.name }, c.state === 'running' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'berth_container_restarts',
    help: 'How often the engine restarted the container by its restart policy (the engine\'s RestartCount).',
    labelNames: ['name'],
    registers,
    collect() {
      this.reset();
      for (const c of list()) if (c.restartCount !== undefined) this.set({ name: c.name }, c.restartCount);
    },
  });
  new Gauge({
    name: 'berth_container_health',
    help: 'The container\'s health status (1 for the current one): starting, healthy, unhealthy, or none without a health check.',
    labelNames: ['name', 'status'],
    registers,
    collect() {
      this.reset();
      for (const c of list()) {
        const now = healthLabel(c.health);
        for (const status of HEALTH_STATUSES) this.set({ name: c.name, status }, status === now ? 1 : 0);
      }
    },
  });
}
