import { Appliance } from './appliance/appliance.js';
import { containerRouterUrl } from './container-router-url.js';
import { Builder } from './pipeline/builder.js';
import { recoverBuilds } from './pipeline/recover-builds.js';
import type { Config } from './config.js';
import { ContainerIndex } from './engine/container-index.js';
import { createDockerode, DockerEngine } from './engine/docker-engine.js';
import type { Engine } from './engine/engine.js';
import type { Logger } from './log.js';
import { startStandaloneRouter, type StandaloneRouter } from './standalone-router.js';
import { WampSession } from './wamp/wamp-session.js';

/** Wires engine, index, appliance, WAMP session and (without --router) the embedded router; `stop()` is safe twice. */
export class Daemon {
  private readonly index: ContainerIndex;
  private readonly builder: Builder;
  private router: StandaloneRouter | undefined;
  private session: WampSession | undefined;
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly config: Config,
    private readonly log: Logger,
    private readonly engine: Engine = new DockerEngine(createDockerode(config.dockerHost)),
  ) {
    this.index = new ContainerIndex(engine, config.domain, log.child({ part: 'index' }));
    this.builder = new Builder({ engine, domain: config.domain, bases: config.bases, config: config.build, log: log.child({ part: 'build' }) });
  }

  /** Sync from the engine first so that the first join registers everything in one go. */
  async start(): Promise<void> {
    const { config, log } = this;
    // What a killed berth's builds left (build dirs, step containers and images), before anything answers calls.
    await recoverBuilds(this.engine, config.domain, log.child({ part: 'build' }));
    if (!config.router) this.router = await startStandaloneRouter(config, this.engine, log.child({ part: 'router' }));
    const url = this.router?.url ?? config.router!;
    const session = new WampSession({
      url,
      realm: config.realm,
      authid: this.router?.authid ?? config.authid,
      ticket: this.router?.ticket ?? config.ticket,
      log: log.child({ part: 'wamp' }),
      onReady: ({ procedures }) =>
        log.info({ router: url, embedded: this.router !== undefined, realm: config.realm, domain: config.domain, procedures }, 'joined the router'),
    });
    this.session = session;
    const appliance = new Appliance({
      domain: config.domain,
      realm: config.realm,
      containerRouterUrl: config.containerRouterUrl ?? this.router?.containerUrl ?? containerRouterUrl(url),
      engine: this.engine,
      index: this.index,
      session,
      log: log.child({ part: 'appliance' }),
      sandbox: config.sandbox,
      builder: this.builder,
    });
    await appliance.start();
    if (this.stopping) return;
    session.start();
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.index.stop();
      await this.builder.stop();
      await this.session?.stop();
      await this.router?.stop();
    })();
    return this.stopping;
  }
}
