import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { EmbeddedRouter } from '../../../src/router/embedded-router.js';
import { Crossbar } from '../../helpers/crossbar.js';
import { Nexus } from '../../helpers/nexus.js';
import { embeddedOptionsFromTemplate } from '../../helpers/embedded-options.js';

export const TEMPLATE = fileURLToPath(new URL('../../fixtures/crossbar/conformance.json', import.meta.url));
export const REALM = 'xs.demo.berth';
export const MAX_MESSAGE_BYTES = 65_536;

/** One router under test. Scenarios see only this, so they cannot tell which router they talk to. */
export interface Target {
  readonly name: 'embedded' | 'crossbar' | 'nexus';
  readonly url: string;
  readonly realm: string;
}

/**
 * The three routers: the embedded one and Crossbar.io booted from one template, and nexus (anonymous peers only, loose
 * URIs, disclosure on request: test/helpers/nexus.ts) on the same realm. Dispose to stop them.
 */
export class Targets implements AsyncDisposable {
  private constructor(
    readonly all: Target[],
    private readonly dispose: () => Promise<void> = async () => undefined,
  ) {}

  /** Boot the three routers side by side (the conformance project's global setup does this once per run). */
  static async boot(): Promise<Targets> {
    const [embedded, crossbar, nexus] = await Promise.allSettled([EmbeddedRouter.start(embeddedOptionsFromTemplate(TEMPLATE)), Crossbar.start({ template: TEMPLATE }), Nexus.start({ realm: REALM })]);
    const stop = async () => {
      await Promise.allSettled([
        embedded.status === 'fulfilled' && embedded.value.stop(),
        crossbar.status === 'fulfilled' && crossbar.value[Symbol.asyncDispose](),
        nexus.status === 'fulfilled' && nexus.value[Symbol.asyncDispose](),
      ]);
    };
    if (embedded.status === 'rejected' || crossbar.status === 'rejected' || nexus.status === 'rejected') {
      await stop(); // one did not start: stop the others rather than leave them running
      throw [embedded, crossbar, nexus].flatMap((s) => (s.status === 'rejected' ? [s.reason] : []))[0];
    }
    const all: Target[] = [
      { name: 'embedded', url: embedded.value.urls[0]!, realm: REALM },
      { name: 'crossbar', url: crossbar.value.url, realm: REALM },
      { name: 'nexus', url: nexus.value.url, realm: REALM },
    ];
    return new Targets(all, stop);
  }

  /**
   * The routers the scenarios run against: those of the global setup when there is one (one Crossbar.io boot per run
   * instead of one per file), else three booted for this file alone (disposing it stops them).
   */
  static async start(): Promise<Targets> {
    const shared = inject('conformanceTargets');
    return shared ? new Targets(shared) : Targets.boot();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    conformanceTargets: Target[] | undefined;
  }
}
