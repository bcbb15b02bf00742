import { HOST_ALIAS } from './container-router-url.js';
import { ROUTER_LIMIT_DEFAULTS, type HttpHandler, type RouterLimits } from './router/router-config.js';
import { parseListen, type Config } from './config.js';
import type { Engine } from './engine/engine.js';
import type { Logger } from './log.js';
import { EmbeddedRouter } from './router/embedded-router.js';
import { originPolicy } from './router/origin-policy.js';
import type { LocalPeer } from './router/local-peer.js';
import type { RouterSnapshot } from './router/router-stats.js';
import type { ContainerDirectory } from './tenancy/container-directory.js';
import { embeddedAuthenticator } from './tenancy/embedded-authenticator.js';
import { fabricAuthorizer } from './tenancy/fabric-authorizer.js';
import { BERTH_ROLE, CONTAINER_ROLE } from './tenancy/fabric-policy.js';

export interface StandaloneRouter {
  /** Where berth itself joins (the --listen address). */
  readonly url: string;
  /** WS_URL for containers: the listener on the bridge gateway, by its host alias. */
  readonly containerUrl: string;
  /** berth's own session: an in-process peer (authid and role `berth`), not a network client. */
  joinLocal(): LocalPeer;
  /** End every session joined with this authid (a removed container's `D.N`); the IDs of those killed. */
  killSessions(authid: string): number[];
  /** Its counters and gauges now (metrics, read at each scrape). */
  snapshot(): RouterSnapshot;
  stop(): Promise<void>;
}

/** What the router's authenticator and authorizer need from the rest of berth. */
export interface StandaloneRouterDeps {
  /** The domain's containers (the index), for container tickets. */
  readonly containers: ContainerDirectory;
  /** The owner of what `D/build/<name>` carries now (FabricPolicy.buildOwner); unknown by default. */
  readonly buildOwner?: (name: string) => Promise<string | undefined>;
  /** The owner of container `<name>` (FabricPolicy.containerOwner, for `D/<name>/logs`); unknown by default. */
  readonly containerOwner?: (name: string) => string | undefined;
  /** Plain HTTP requests on --listen (the dashboard); the containers' listener never serves them. */
  readonly http?: HttpHandler;
}

/** The listener on the bridge gateway, where containers connect. */
export const CONTAINERS_LISTENER = 'containers';
/** The --listen listener, for the operator's clients. */
export const LISTEN_LISTENER = 'listen';

/**
 * Zero-config berth: an embedded router for the configured realm, on --listen and on the engine's bridge gateway (so that
 * containers reach it) and nowhere else. berth's own session joins in-process as role `berth` (so no frame limit, no ping,
 * and nobody can join as berth over the network: there is no principal for it). Who may join is the embedded
 * authenticator's call (containers with their tickets on the gateway; configured users and anonymous on --listen), and
 * what each may do is the fabric policy's.
 */
export async function startStandaloneRouter(config: Config, engine: Engine, log: Logger, deps: StandaloneRouterDeps): Promise<StandaloneRouter> {
  const own = parseListen(config.listen);
  const listen = [{ ...own, name: LISTEN_LISTENER }];
  const gateway = await engine.fetchBridgeGateway().catch((err: Error) => {
    log.warn({ err: err.message }, 'cannot ask the engine for its bridge gateway: containers will not reach the embedded router');
    return undefined;
  });
  const wildcard = own.host === '0.0.0.0' || own.host === '::';
  if (gateway && !wildcard && gateway !== own.host) listen.push({ host: gateway, port: own.port, name: CONTAINERS_LISTENER });
  const { tickets, wampcra, anonymous, allowedOrigins } = config.embeddedRouter;
  // The dashboard's page joins from where it is served (--listen, or --http); other pages only if configured.
  const pages = config.dashboard ? [own, ...(config.http ? [parseListen(config.http)] : [])] : [];
  const allowOrigin = originPolicy(pages, allowedOrigins);
  const userRoles = [...new Set([...Object.values(tickets), ...Object.values(wampcra)].map((u) => u.role))];
  // The realm only has to know the roles (the router refuses a role it lacks); the fabric policy decides what they may do.
  const roles = [...new Set([BERTH_ROLE, CONTAINER_ROLE, 'anonymous', ...userRoles])].map((name) => ({ name }));
  const start = (addresses: { host: string; port: number; name: string }[]) =>
    EmbeddedRouter.start({
      listen: addresses,
      realms: [{ name: config.realm, roles }],
      authenticate: (hello) => authenticate(hello),
      authorize: fabricAuthorizer({
        domain: config.domain,
        callers: config.callers,
        adminRoles: config.adminRoles,
        callAppliance: config.containers.callAppliance,
        buildOwner: deps.buildOwner ?? (async () => undefined),
        containerOwner: deps.containerOwner ?? (() => undefined),
      }),
      limits: routerLimits(config.embeddedRouter),
      logger: log,
      http: deps.http ? { [LISTEN_LISTENER]: deps.http } : undefined,
      allowOrigin,
    });
  const authenticate = embeddedAuthenticator({
    domain: config.domain,
    tickets,
    wampcra,
    anonymous,
    // On the gateway's own listener, and on a wildcard (or gateway) --listen wherever a client came in on the gateway's
    // address: containers reach the host there, so there only container tickets count.
    containerSide: (hello) => hello.listener === CONTAINERS_LISTENER || (gateway !== undefined && hello.localAddress === gateway),
    containers: deps.containers,
    realms: { hasRealm: (name) => name === config.realm, hasRole: (name, role) => name === config.realm && roles.some((r) => r.name === role) },
  });
  const router = await start(listen).catch((err: NodeJS.ErrnoException) => {
    // A remote engine's gateway is not an address of this host: berth still runs, containers need --container-router-url.
    if (err.code !== 'EADDRNOTAVAIL' || listen.length === 1) throw err;
    log.warn({ gateway }, 'the bridge gateway is not on this host: containers reach the embedded router only through --container-router-url');
    return start([listen[0]!]);
  });
  const [url, containerListener] = router.urls;
  const containerPort = containerListener ? new URL(containerListener).port : new URL(url!).port;
  return {
    url: url!,
    containerUrl: `ws://${HOST_ALIAS}:${containerPort}/ws`,
    joinLocal: () => router.joinLocal(config.realm, { authid: 'berth', authrole: BERTH_ROLE }),
    killSessions: (authid) => router.killByAuthid(config.realm, authid, { message: `the session of ${authid} was revoked` }),
    snapshot: () => router.snapshot(),
    stop: () => router.stop(),
  };
}

/** The router's own limits out of berth's `embeddedRouter` block (which also holds its users). */
function routerLimits(block: Config['embeddedRouter']): RouterLimits {
  return Object.fromEntries(Object.keys(ROUTER_LIMIT_DEFAULTS).map((k) => [k, block[k as keyof RouterLimits]])) as unknown as RouterLimits;
}
