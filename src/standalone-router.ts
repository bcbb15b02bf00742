import { HOST_ALIAS } from './container-router-url.js';
import { ROUTER_LIMIT_DEFAULTS, type RouterLimits } from './router/router-config.js';
import { parseListen, type Config } from './config.js';
import type { Engine } from './engine/engine.js';
import type { Logger } from './log.js';
import { EmbeddedRouter } from './router/embedded-router.js';
import type { LocalPeer } from './router/local-peer.js';

export interface StandaloneRouter {
  /** Where berth itself joins (the --listen address). */
  readonly url: string;
  /** WS_URL for containers: the listener on the bridge gateway, by its host alias. */
  readonly containerUrl: string;
  /** berth's own session: an in-process peer (authid and role `berth`), not a network client. */
  joinLocal(): LocalPeer;
  stop(): Promise<void>;
}

const ALL = { call: true, register: true, publish: true, subscribe: true };

/**
 * Zero-config berth: an embedded router for the configured realm, on --listen and on the engine's bridge gateway (so that
 * containers reach it) and nowhere else. berth's own session joins in-process as role `berth` (so no frame limit, no ping,
 * and nobody can join as berth over the network: there is no principal for it); anonymous peers may do anything except
 * register or publish under the appliance's own `D/` namespace, which stays berth's.
 */
export async function startStandaloneRouter(config: Config, engine: Engine, log: Logger): Promise<StandaloneRouter> {
  const own = parseListen(config.listen);
  const listen = [own];
  const gateway = await engine.fetchBridgeGateway().catch((err: Error) => {
    log.warn({ err: err.message }, 'cannot ask the engine for its bridge gateway: containers will not reach the embedded router');
    return undefined;
  });
  const wildcard = own.host === '0.0.0.0' || own.host === '::';
  if (gateway && !wildcard && gateway !== own.host) listen.push({ host: gateway, port: own.port });
  const start = (addresses: { host: string; port: number }[]) => EmbeddedRouter.start({
    listen: addresses,
    realms: [
      {
        name: config.realm,
        roles: [
          { name: 'berth', permissions: [{ uri: '', match: 'prefix', allow: ALL, disclose: { caller: true, publisher: true } }] },
          {
            name: 'anonymous',
            permissions: [
              { uri: '', match: 'prefix', allow: ALL, disclose: { caller: true, publisher: true } },
              {
                uri: `${config.domain}/`,
                match: 'prefix',
                allow: { call: true, register: false, publish: false, subscribe: true },
                disclose: { caller: true, publisher: true },
              },
            ],
          },
        ],
      },
    ],
    auth: { anonymous: { role: 'anonymous' } },
    limits: routerLimits(config.embeddedRouter),
    logger: log,
  });
  const router = await start(listen).catch((err: NodeJS.ErrnoException) => {
    // A remote engine's gateway is not an address of this host: berth still runs, containers need --container-router-url.
    if (err.code !== 'EADDRNOTAVAIL' || listen.length === 1) throw err;
    log.warn({ gateway }, 'the bridge gateway is not on this host: containers reach the embedded router only through --container-router-url');
    return start([own]);
  });
  const [url, containerListener] = router.urls;
  const containerPort = containerListener ? new URL(containerListener).port : new URL(url!).port;
  return {
    url: url!,
    containerUrl: `ws://${HOST_ALIAS}:${containerPort}/ws`,
    joinLocal: () => router.joinLocal(config.realm, { authid: 'berth', authrole: 'berth' }),
    stop: () => router.stop(),
  };
}

/** The router's own limits out of berth's `embeddedRouter` block (which also holds its users). */
function routerLimits(block: Config['embeddedRouter']): RouterLimits {
  return Object.fromEntries(Object.keys(ROUTER_LIMIT_DEFAULTS).map((k) => [k, block[k as keyof RouterLimits]])) as unknown as RouterLimits;
}
