import type { Appliance } from './appliance/appliance.js';
import type { LogsTopic } from './appliance/logs-topic.js';
import type { Config } from './config.js';
import { askEngine, type EngineAnswer } from './daemon/ask-engine.js';
import { checkSwarm } from './daemon/check-swarm.js';
import { makeAppliance, startLogsTopic } from './daemon/make-appliance.js';
import { makeSession } from './daemon/make-session.js';
import { Owners } from './daemon/owners.js';
import { loadDashboard, startDashboard } from './daemon/start-dashboard.js';
import { startRouter } from './daemon/start-router.js';
import { wireTenancy, type RevokeSessions } from './daemon/wire-tenancy.js';
import type { DashboardServer } from './dashboard/dashboard-server.js';
import { ContainerIndex } from './engine/container-index.js';
import { createEngine } from './engine/create-engine.js';
import type { Engine } from './engine/engine.js';
import type { Logger } from './log.js';
import { createMetrics, type Metrics } from './metrics/metrics.js';
import { timedEngine } from './metrics/timed-engine.js';
import { Builder } from './pipeline/builder.js';
import { recoverBuilds } from './pipeline/recover-builds.js';
import { RegistryReleases } from './pipeline/registry-releases.js';
import type { StandaloneRouter } from './standalone-router.js';
import type { WampSession } from './wamp/wamp-session.js';

/** What berth says once it has joined: the join line's fields (the start banner is made from them). */
export interface Joined {
  readonly router: string;
  readonly embedded: boolean;
  readonly realm: string;
  readonly domain: string;
  readonly procedures: number;
  readonly engineSecurity: ReturnType<EngineAnswer['current']>;
  /** Where the dashboard is served (http://host:port/), if anywhere. */
  readonly dashboard: string | undefined;
}

export interface DaemonOptions {
  /** Called after each join (the first one, and every rejoin). */
  readonly onJoined?: (joined: Joined) => void;
}

/** Wires engine, index, appliance, WAMP session and (without --router) the embedded router; `stop()` is safe twice. */
export class Daemon {
  private readonly index: ContainerIndex;
  private readonly builder: Builder;
  private readonly metrics: Metrics;
  private readonly engine: Engine;
  private router: StandaloneRouter | undefined;
  private dashboard: DashboardServer | undefined;
  private session: WampSession | undefined;
  private logs: LogsTopic | undefined;
  private appliance: Appliance | undefined;
  private stopping: Promise<void> | undefined;
  private revoke: RevokeSessions = async () => undefined;
  private security: EngineAnswer | undefined;

  constructor(
    private readonly config: Config,
    private readonly log: Logger,
    engine: Engine = createEngine(config),
    private readonly options: DaemonOptions = {},
  ) {
    this.metrics = createMetrics(config.metrics, config.domain);
    engine = this.engine = timedEngine(engine, this.metrics);
    this.index = new ContainerIndex(engine, config.domain, log.child({ part: 'index' }));
    const registry = config.registry
      ? new RegistryReleases({ engine, domain: config.domain, registry: config.registry, auth: config.registryAuth, timeoutMs: config.registryTimeout * 1000, log: log.child({ part: 'registry' }) })
      : undefined;
    this.builder = new Builder({ engine, domain: config.domain, bases: config.bases, config: config.build, log: log.child({ part: 'build' }), volumeOwner: config.sandbox.user, registry, onFinished: this.metrics.buildFinished });
  }

  /**
   * Each step in the order it must happen: the engine answers first (berth cannot work without it), what a killed berth
   * left is cleaned before anything answers calls, and the session starts last, so that the first join registers
   * everything in one go.
   */
  async start(): Promise<void> {
    const { config, log, engine, index, metrics } = this;
    const security = (this.security = await askEngine(engine, config, log));
    await checkSwarm(engine, config, log);
    await recoverBuilds(engine, config.domain, log.child({ part: 'build' }));
    const owners = new Owners(index);
    const page = await loadDashboard(config, log);
    const router = (this.router = await startRouter(config, engine, index, owners, page, log, metrics));
    const url = router?.url ?? config.router!;
    this.dashboard = await startDashboard(config, page, url, log, metrics);
    let afterJoin = () => {};
    const dashboard = this.dashboardUrl(page !== undefined);
    const onReady = ({ procedures }: { procedures: number }) => {
      const joined: Joined = { router: url, embedded: router !== undefined, realm: config.realm, domain: config.domain, procedures, engineSecurity: security.current(), dashboard };
      log.info({ router: joined.router, embedded: joined.embedded, realm: joined.realm, domain: joined.domain, procedures, engineSecurity: joined.engineSecurity }, 'joined the router');
      this.options.onJoined?.(joined);
      afterJoin();
    };
    const { session, external } = makeSession(config, router, onReady, log, metrics.callAnswered);
    this.session = session;
    const tenancy = await wireTenancy(config, index, owners, router, external, log);
    afterJoin = tenancy.afterJoin;
    this.revoke = tenancy.revokeSessions;
    const appliance = (this.appliance = makeAppliance({ config, engine, index, builder: this.builder, session, router, revokeSessions: tenancy.revokeSessions, log }));
    owners.attach(appliance);
    metrics.knowProcedures(Object.keys(appliance.procedures()));
    metrics.watchContainers(() => index.getAll());
    this.logs = startLogsTopic({ config, engine, index, session, log });
    await appliance.start();
    if (this.stopping) return;
    session.start();
  }

  /** The dashboard's address: --http, else the embedded router's --listen; none with an external router and no --http. */
  private dashboardUrl(served: boolean): string | undefined {
    if (!served) return undefined;
    const where = this.config.http ?? (this.config.router ? undefined : this.config.listen);
    return where ? `http://${where.replace(/^0\.0\.0\.0:/, '127.0.0.1:')}/` : undefined;
  }

  /** End every session joined as `authid` (what the appliance's `tenancy.revokeSessions` does, e.g. for a removed `D.N`). */
  revokeSessions(authid: string): Promise<void> {
    return this.revoke(authid);
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.security?.stop();
      this.index.stop();
      this.logs?.stop();
      // Execs first: their commands would otherwise run on in the containers after berth is gone.
      await Promise.all([this.builder.stop(), this.appliance?.stop()]);
      await this.session?.stop();
      await this.router?.stop();
      await this.dashboard?.stop();
    })();
    return this.stopping;
  }
}
