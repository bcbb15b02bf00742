import { Appliance } from './appliance/appliance.js';
import { LogsTopic } from './appliance/logs-topic.js';
import { containerRouterUrl } from './container-router-url.js';
import { dashboardHandler } from './dashboard/dashboard-handler.js';
import { loadDashboardFiles } from './dashboard/dashboard-files.js';
import { startDashboardServer, type DashboardServer } from './dashboard/dashboard-server.js';
import { Builder } from './pipeline/builder.js';
import { RegistryReleases } from './pipeline/registry-releases.js';
import { recoverBuilds } from './pipeline/recover-builds.js';
import type { Config } from './config.js';
import { ContainerIndex } from './engine/container-index.js';
import { createEngine } from './engine/create-engine.js';
import { SwarmEngine } from './engine/swarm-engine.js';
import type { Engine } from './engine/engine.js';
import { engineSecurity, type EngineSecurity } from './engine/engine-security.js';
import type { Logger } from './log.js';
import { startStandaloneRouter, type StandaloneRouter } from './standalone-router.js';
import { itemOwner } from './tenancy/callers.js';
import { containerDirectory } from './tenancy/container-directory.js';
import { AutobahnSession } from './wamp/autobahn-session.js';
import { LocalSession } from './wamp/local-session.js';
import type { WampSession } from './wamp/wamp-session.js';
import { crossbarAuthProcedures } from './tenancy/crossbar-auth-procedures.js';
import type { FabricPolicy } from './tenancy/fabric-policy.js';
import { probeCallerDisclosure, revokeOnCrossbar } from './tenancy/crossbar-sessions.js';

/** Wires engine, index, appliance, WAMP session and (without --router) the embedded router; `stop()` is safe twice. */
export class Daemon {
  private readonly index: ContainerIndex;
  private readonly builder: Builder;
  private router: StandaloneRouter | undefined;
  private dashboard: DashboardServer | undefined;
  private session: WampSession | undefined;
  private logs: LogsTopic | undefined;
  private appliance: Appliance | undefined;
  private stopping: Promise<void> | undefined;
  private revoke: (authid: string) => Promise<void> = async () => undefined;

  constructor(
    private readonly config: Config,
    private readonly log: Logger,
    private readonly engine: Engine = createEngine(config),
  ) {
    this.index = new ContainerIndex(engine, config.domain, log.child({ part: 'index' }));
    const registry = config.registry
      ? new RegistryReleases({ engine, domain: config.domain, registry: config.registry, auth: config.registryAuth, timeoutMs: config.registryTimeout * 1000, log: log.child({ part: 'registry' }) })
      : undefined;
    this.builder = new Builder({ engine, domain: config.domain, bases: config.bases, config: config.build, log: log.child({ part: 'build' }), volumeOwner: config.sandbox.user, registry });
  }

  /** Sync from the engine first so that the first join registers everything in one go. */
  async start(): Promise<void> {
    const { config, log } = this;
    // Whose output `D/<name>/logs` carries (issue 10), read from the index at each subscription.
    const containerOwner = (name: string) => {
      const record = this.index.getByName(name);
      return record ? itemOwner(record.labels) : undefined;
    };
    // A swarm (issue 13): a manager, and nodes whose daemons enforce no-new-privileges, or berth does not start.
    if (this.engine instanceof SwarmEngine) {
      const nodes = await this.engine.checkSwarm(config.domain, { probeImage: config.swarm.probeImage!, checkPorts: config.swarm.checkPorts });
      log.info(
        { nodes: nodes.map((n) => n.node) },
        config.swarm.checkPorts ? "swarm nodes enforce no-new-privileges; their tasks reach none of the swarm's ports" : 'swarm nodes enforce no-new-privileges (the swarm ports check is off)',
      );
    }
    // What a killed berth's builds left (build dirs, step containers and images), before anything answers calls.
    await recoverBuilds(this.engine, config.domain, log.child({ part: 'build' }));
    // The dashboard (issue 12): static files and the page's config, on the embedded router's --listen (the page joins
    // its own origin) or on --http (the page joins --public-router-url, else the router berth itself joins).
    const dashboard = config.dashboard ? await this.dashboardFiles() : undefined;
    const page = (router: string | null) => dashboardHandler(dashboard!.files, { router: config.publicRouterUrl ?? router, realm: config.realm, domain: config.domain });
    if (dashboard && config.router) {
      if (config.http) this.dashboard = await startDashboardServer(config.http, page(config.router), log.child({ part: 'dashboard' }));
      else log.info('no dashboard: with --router it is served on --http HOST:PORT');
    }
    if (!config.router) {
      // A container's ticket check waits for the index's first sync (started by the appliance below), bounded.
      const containers = containerDirectory(this.index, config.embeddedRouter.handshakeTimeoutMs / 2);
      // Build topics' owners come from the policy below (the appliance's view), asked at each subscription; none is
      // handled before the appliance exists (nothing awaits in between), and one that were would fail closed.
      const buildOwner = (name: string) => policy.buildOwner(name);
      this.router = await startStandaloneRouter(config, this.engine, log.child({ part: 'router' }), {
        containers,
        buildOwner,
        containerOwner,
        http: dashboard && !config.http ? page(null) : undefined,
      });
      if (dashboard && config.http) this.dashboard = await startDashboardServer(config.http, page(this.router.url), log.child({ part: 'dashboard' }));
    }
    const url = this.router?.url ?? config.router!;
    // What the engine adds to isolation, stated on every join line (issue 8); unknown while the engine does not answer.
    let security: EngineSecurity | undefined;
    void this.engine.fetchSecurityOptions().then(
      (o) => (security = engineSecurity(o)),
      (err: Error) => log.warn({ err: err.message }, 'cannot ask the engine for its security options'),
    );
    let probe: (() => void) | undefined;
    const onReady = ({ procedures }: { procedures: number }) => {
      log.info({ router: url, embedded: this.router !== undefined, realm: config.realm, domain: config.domain, procedures, engineSecurity: security ?? 'unknown' }, 'joined the router');
      probe?.();
    };
    const sessionLog = log.child({ part: 'wamp' });
    const router = this.router;
    // On its own router berth's session is an in-process peer: no frame limit, no JSON round trip, never dropped by pings.
    const external = router
      ? undefined
      : new AutobahnSession({ url, realm: config.realm, authid: config.authid, ticket: config.ticket, log: sessionLog, maxResultBytes: config.maxResultBytes, onReady });
    const session: WampSession = router
      ? new LocalSession({ join: () => router.joinLocal(), log: sessionLog, maxResultBytes: config.maxResultBytes, onReady })
      : external!;
    this.session = session;
    // The tenancy settings both the router's rules and the appliance enforce, read from the config once.
    const rules = { callers: config.callers, adminRoles: config.adminRoles, callAppliance: config.containers.callAppliance };
    const policy: FabricPolicy = {
      domain: config.domain,
      ...rules,
      // Read at each decision: the appliance knows who runs a build and who owns an image.
      buildOwner: (name) => appliance.buildOwner(name),
      containerOwner,
    };
    let revokeSessions: (authid: string) => Promise<void> = async () => undefined;
    if (external) {
      // Crossbar.io enforces berth's rules through its dynamic authenticator and authorizer (docs/crossbar.md).
      const auth = crossbarAuthProcedures(config.domain, { realm: config.realm, policy, lookup: (n) => this.index.getByName(n), log: log.child({ part: 'auth' }) });
      for (const [uri, handler] of Object.entries(auth)) await external.register(uri, handler);
      revokeSessions = (authid) => revokeOnCrossbar(external, authid, log);
      if (config.callers === 'owner') probe = once(() => void probeCallerDisclosure(external, config.domain, log));
    }
    if (router) {
      // The embedded router kills them itself.
      revokeSessions = async (authid) => {
        const killed = router.killSessions(authid);
        if (killed.length > 0) log.info({ authid, sessions: killed.length }, 'revoked sessions');
      };
    }
    this.revoke = revokeSessions;
    const appliance = (this.appliance = new Appliance({
      domain: config.domain,
      realm: config.realm,
      containerRouterUrl: config.containerRouterUrl ?? this.router?.containerUrl ?? containerRouterUrl(url),
      engine: this.engine,
      index: this.index,
      session,
      log: log.child({ part: 'appliance' }),
      sandbox: config.sandbox,
      builder: this.builder,
      tenancy: { ...rules, quotas: config.quotas, revokeSessions },
      exec: { ...config.exec, maxLineBytes: config.logs.maxLineBytes, maxResultBytes: config.maxResultBytes },
      update: config.update,
    }));
    // D/<name>/logs: follows a container while its topic has subscribers (issue 10), known from the router's meta events.
    this.logs = new LogsTopic({
      domain: config.domain,
      index: this.index,
      engine: this.engine,
      session,
      tenancy: rules,
      maxLineBytes: config.logs.maxLineBytes,
      log: log.child({ part: 'logs' }),
    });
    this.logs.start();
    await appliance.start();
    if (this.stopping) return;
    session.start();
  }

  /** The built dashboard (issue 12); when it was not built, its address answers 503 saying so. */
  private async dashboardFiles() {
    const files = await loadDashboardFiles().catch((err: Error) => {
      this.log.error({ err: err.message }, 'cannot read the dashboard files');
      return undefined;
    });
    if (!files) this.log.warn('the dashboard is not built (npm run build): its address answers 503');
    return { files };
  }

  /** End every session joined as `authid` (what the appliance's `tenancy.revokeSessions` does, e.g. for a removed `D.N`). */
  revokeSessions(authid: string): Promise<void> {
    return this.revoke(authid);
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
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

function once(f: () => void): () => void {
  let done = false;
  return () => {
    if (!done) {
      done = true;
      f();
    }
  };
}
