import { Appliance } from '../appliance/appliance.js';
import { LogsTopic } from '../appliance/logs-topic.js';
import type { Config } from '../config.js';
import { containerRouterUrl } from '../container-router-url.js';
import type { ContainerIndex } from '../engine/container-index.js';
import type { Engine } from '../engine/engine.js';
import type { Logger } from '../log.js';
import type { Builder } from '../pipeline/builder.js';
import type { StandaloneRouter } from '../standalone-router.js';
import type { WampSession } from '../wamp/wamp-session.js';
import { tenancyRules, type RevokeSessions } from './wire-tenancy.js';

export interface ApplianceParts {
  readonly config: Config;
  readonly engine: Engine;
  readonly index: ContainerIndex;
  readonly builder: Builder;
  readonly session: WampSession;
  readonly router: StandaloneRouter | undefined;
  readonly revokeSessions: RevokeSessions;
  readonly log: Logger;
}

/** The procedures (D/build, D/create, …) and the per-container endpoints, on berth's session. */
export function makeAppliance(p: ApplianceParts): Appliance {
  const { config } = p;
  const url = p.router?.url ?? config.router!;
  return new Appliance({
    domain: config.domain,
    realm: config.realm,
    containerRouterUrl: config.containerRouterUrl ?? p.router?.containerUrl ?? containerRouterUrl(url),
    engine: p.engine,
    index: p.index,
    session: p.session,
    log: p.log.child({ part: 'appliance' }),
    sandbox: config.sandbox,
    builder: p.builder,
    tenancy: { ...tenancyRules(config), quotas: config.quotas, revokeSessions: p.revokeSessions },
    exec: { ...config.exec, maxLineBytes: config.logs.maxLineBytes, maxResultBytes: config.maxResultBytes },
    update: config.update,
    replicas: { max: config.maxReplicas, swarm: config.engine === 'swarm' },
  });
}

/** D/<name>/logs: follows a container while its topic has subscribers, known from the router's meta events. */
export function startLogsTopic(p: Pick<ApplianceParts, 'config' | 'engine' | 'index' | 'session' | 'log'>): LogsTopic {
  const logs = new LogsTopic({
    domain: p.config.domain,
    index: p.index,
    engine: p.engine,
    session: p.session,
    tenancy: tenancyRules(p.config),
    maxLineBytes: p.config.logs.maxLineBytes,
    log: p.log.child({ part: 'logs' }),
  });
  logs.start();
  return logs;
}
