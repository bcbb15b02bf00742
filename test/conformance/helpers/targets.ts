import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { EmbeddedRouter } from '../../../src/router/embedded-router.js';
import { Crossbar } from '../../helpers/crossbar.js';
import { embeddedOptionsFromTemplate } from '../../helpers/embedded-options.js';

export const TEMPLATE = fileURLToPath(new URL('../../fixtures/crossbar/conformance.json', import.meta.url));
export const REALM = 'xs.demo.berth';
export const MAX_MESSAGE_BYTES = 65_536;

/** One router under test. Scenarios see only this, so they cannot tell which router they talk to. */
export interface Target {
  readonly name: 'embedded' | 'crossbar';
  readonly url: string;
  readonly realm: string;
}

/** Both routers, booted from one template; dispose to stop both. */
export class Targets implements AsyncDisposable {
  private constructor(
    readonly all: Target[],
    private readonly dispose: () => Promise<void> = async () => undefined,
  ) {}

  /** Boot both routers (the conformance project's global setup does this once per run). */
  static async boot(): Promise<Targets> {
    const [embedded, crossbar] = await Promise.all([EmbeddedRouter.start(embeddedOptionsFromTemplate(TEMPLATE)), Crossbar.start({ template: TEMPLATE })]);
    const all: Target[] = [
      { name: 'embedded', url: embedded.urls[0]!, realm: REALM },
      { name: 'crossbar', url: crossbar.url, realm: REALM },
    ];
    return new Targets(all, async () => void (await Promise.allSettled([embedded.stop(), crossbar[Symbol.asyncDispose]()])));
  }

  /**
   * The routers the scenarios run against: those of the global setup when there is one (one Crossbar.io boot per run
   * instead of one per file), else a pair booted for this file alone (disposing it stops them).
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
