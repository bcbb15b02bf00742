import { fileURLToPath } from 'node:url';
import { EmbeddedRouter } from '../../src/router/embedded-router.js';
import { Crossbar } from './crossbar.js';
import { embeddedOptionsFromTemplate } from './embedded-options.js';
import { Nexus, NEXUS_CANNOT } from './nexus.js';
import { freePort } from './wait-for.js';

/**
 * The one switch: BERTH_TEST_ROUTER=embedded runs berth's integration suites on the embedded router instead of
 * Crossbar.io, BERTH_TEST_ROUTER=nexus on nexus (a third-party router without dynamic auth, test/helpers/nexus.ts).
 */
export type RouterKind = 'crossbar' | 'embedded' | 'nexus';
const KINDS: readonly RouterKind[] = ['crossbar', 'embedded', 'nexus'];
export const ROUTER_KIND: RouterKind = KINDS.find((k) => k === process.env.BERTH_TEST_ROUTER) ?? 'crossbar';
/** True on nexus: `it.skipIf(ON_NEXUS)(nexusSkip('name', 'tickets'), …)`. */
export const ON_NEXUS = ROUTER_KIND === 'nexus';
/** A test's name, which on nexus says why it is skipped there (what nexus cannot do, `NEXUS_CANNOT`). */
export function nexusSkip(name: string, why: keyof typeof NEXUS_CANNOT): string {
  return ON_NEXUS ? `${name} [skipped on nexus: ${NEXUS_CANNOT[why]}]` : name;
}
/** What the router is called in test names. */
export const ROUTER_NAME: Record<RouterKind, string> = { crossbar: 'Crossbar.io', embedded: 'embedded router', nexus: 'nexus' };

const TEMPLATE = fileURLToPath(new URL('../fixtures/crossbar/config.json', import.meta.url));

/** A router the tests can stop and start again on the same port, of either kind, configured from one template. */
export interface TestRouter extends AsyncDisposable {
  readonly kind: RouterKind;
  readonly url: string;
  halt(): Promise<void>;
  boot(): Promise<void>;
}

/** `host` is where it listens: loopback by default; the bridge gateway (`bridgeGateway()`) to be reachable from containers. */
export async function startTestRouter(kind: RouterKind = ROUTER_KIND, host = '127.0.0.1'): Promise<TestRouter> {
  if (kind === 'crossbar') {
    const cb = await Crossbar.start({ iface: host });
    return { kind, url: cb.url, halt: () => cb.halt(), boot: () => cb.boot(), [Symbol.asyncDispose]: () => cb[Symbol.asyncDispose]() };
  }
  if (kind === 'nexus') {
    const nx = await Nexus.start({ host });
    return { kind, url: nx.url, halt: () => nx.halt(), boot: () => nx.boot(), [Symbol.asyncDispose]: () => nx[Symbol.asyncDispose]() };
  }
  const port = await freePort();
  const options = () => ({ ...embeddedOptionsFromTemplate(TEMPLATE, port), listen: [{ host, port }] });
  let router: EmbeddedRouter | undefined = await EmbeddedRouter.start(options());
  return {
    kind,
    url: router.urls[0]!,
    halt: async () => {
      await router?.stop();
      router = undefined;
    },
    boot: async () => {
      router ??= await EmbeddedRouter.start(options());
    },
    [Symbol.asyncDispose]: async () => {
      await router?.stop();
    },
  };
}
