import { Appliance } from './appliance/appliance.js';
import { containerRouterUrl } from './appliance/container-router-url.js';
import type { Config } from './config.js';
import { ContainerIndex } from './engine/container-index.js';
import { createDockerode, DockerEngine } from './engine/docker-engine.js';
import type { Engine } from './engine/engine.js';
import type { Logger } from './log.js';
import { WampSession } from './wamp/wamp-session.js';

/** Wires engine, index, appliance and WAMP session; `stop()` is safe to call twice. */
export class Daemon {
  private readonly index: ContainerIndex;
  private readonly session: WampSession;
  private readonly appliance: Appliance;
  private stopped = false;

  constructor(
    private readonly config: Config,
    private readonly log: Logger,
    engine: Engine = new DockerEngine(createDockerode(config.dockerHost)),
  ) {
    this.index = new ContainerIndex(engine, config.domain, log.child({ part: 'index' }));
    this.session = new WampSession({
      url: config.router,
      realm: config.realm,
      authid: config.authid,
      ticket: config.ticket,
      log: log.child({ part: 'wamp' }),
      onReady: ({ procedures }) =>
        log.info({ router: config.router, realm: config.realm, domain: config.domain, procedures }, 'joined the router'),
    });
    this.appliance = new Appliance({
      domain: config.domain,
      realm: config.realm,
      containerRouterUrl: containerRouterUrl(config.router, config.containerRouterUrl),
      engine,
      index: this.index,
      session: this.session,
      log: log.child({ part: 'appliance' }),
      stopTimeoutSeconds: 10,
    });
  }

  /** Sync from the engine first so the first join registers everything in one go. */
  async start(): Promise<void> {
    await this.appliance.start();
    this.session.start();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.index.stop();
    await this.session.stop();
  }
}
