import { fileURLToPath } from 'node:url';
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
    readonly embedded: EmbeddedRouter,
    readonly crossbar: Crossbar,
  ) {}

  static async start(): Promise<Targets> {
    const [embedded, crossbar] = await Promise.all([EmbeddedRouter.start(embeddedOptionsFromTemplate(TEMPLATE)), Crossbar.start({ template: TEMPLATE })]);
    return new Targets(embedded, crossbar);
  }

  get all(): Target[] {
    return [
      { name: 'embedded', url: this.embedded.urls[0]!, realm: REALM },
      { name: 'crossbar', url: this.crossbar.url, realm: REALM },
    ];
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await Promise.allSettled([this.embedded.stop(), this.crossbar[Symbol.asyncDispose]()]);
  }
}
