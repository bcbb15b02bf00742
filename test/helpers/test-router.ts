import { fileURLToPath } from 'node:url';
import { EmbeddedRouter } from '../../src/router/embedded-router.js';
import { Crossbar } from './crossbar.js';
import { embeddedOptionsFromTemplate } from './embedded-options.js';
import { freePort } from './wait-for.js';

/** The one switch: BERTH_TEST_ROUTER=embedded runs berth's integration suites on the embedded router instead of Crossbar.io. */
export type RouterKind = 'crossbar' | 'embedded';
export const ROUTER_KIND: RouterKind = process.env.BERTH_TEST_ROUTER === 'embedded' ? 'embedded' : 'crossbar';

const TEMPLATE = fileURLToPath(new URL('../fixtures/crossbar/config.json', import.meta.url));

/** A router the tests can stop and start again on the same port, of either kind, configured from one template. */
export interface TestRouter extends AsyncDisposable {
  readonly kind: RouterKind;
  readonly url: string;
  halt(): Promise<void>;
  boot(): Promise<void>;
}

export async function startTestRouter(kind: RouterKind = ROUTER_KIND): Promise<TestRouter> {
  if (kind === 'crossbar') {
    const cb = await Crossbar.start();
    return { kind, url: cb.url, halt: () => cb.halt(), boot: () => cb.boot(), [Symbol.asyncDispose]: () => cb[Symbol.asyncDispose]() };
  }
  const port = await freePort();
  let router: EmbeddedRouter | undefined = await EmbeddedRouter.start(embeddedOptionsFromTemplate(TEMPLATE, port));
  return {
    kind,
    url: router.urls[0]!,
    halt: async () => {
      await router?.stop();
      router = undefined;
    },
    boot: async () => {
      router ??= await EmbeddedRouter.start(embeddedOptionsFromTemplate(TEMPLATE, port));
    },
    [Symbol.asyncDispose]: async () => {
      await router?.stop();
    },
  };
}
