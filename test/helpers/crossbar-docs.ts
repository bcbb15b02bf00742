import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Crossbar } from './crossbar.js';
import { bridgeGateway } from './docker.js';
import { freePort } from './wait-for.js';

const DOC = fileURLToPath(new URL('../../docs/crossbar.md', import.meta.url));
const MARKER = '<!-- berth-crossbar-config:';

/** The Crossbar.io config that docs/crossbar.md documents: the JSON block after its marker comment. */
export function docsCrossbarConfig(): string {
  const text = readFileSync(DOC, 'utf8');
  const at = text.indexOf(MARKER);
  if (at === -1) throw new Error('docs/crossbar.md has no config marker');
  const block = /```json\n([\s\S]*?)\n```/.exec(text.slice(at));
  if (!block) throw new Error('docs/crossbar.md has no JSON block after its marker');
  JSON.parse(block[1]!); // it must be valid JSON as written
  return block[1]!;
}

/** The principals the documented config defines (authid → ticket), as a user would copy them. */
export const DOCS_USERS = {
  berth: 'change-me-berth',
  alice: 'change-me-alice',
  bob: 'change-me-bob',
  root: 'change-me-root',
} as const;

export interface DocsCrossbar extends AsyncDisposable {
  readonly crossbar: Crossbar;
  /** The people-and-services transport (berth and users join here). */
  readonly url: string;
  /** The containers' transport, on the bridge gateway. */
  readonly containerPort: number;
  /** What berth passes to containers (`--container-router-url`). */
  readonly containerRouterUrl: string;
  /** The containers' transport as the host reaches it. */
  readonly containerUrlFromHost: string;
  /** berth's flags for joining this Crossbar.io as documented. */
  berthArgs(domain: string): string[];
}

/**
 * Crossbar.io started with exactly the config in docs/crossbar.md. Only what must differ on a test machine changes:
 * the two ports (free ones), the containers' interface (this engine's bridge gateway) and, for a test domain, the
 * authenticator/authorizer URIs (as the doc tells users whose domain is not `berth` to do).
 */
export async function startDocsCrossbar(domain: string): Promise<DocsCrossbar> {
  const [port, containerPort, gateway] = [await freePort(), await freePort(), await bridgeGateway()];
  const doc = JSON.parse(docsCrossbarConfig()) as { workers: { transports: { endpoint: { port: number; interface: string } }[] }[] };
  const [people, containers] = doc.workers[0]!.transports;
  if (people?.endpoint.port !== 8080 || containers?.endpoint.port !== 8081 || containers.endpoint.interface !== '172.17.0.1') {
    throw new Error('docs/crossbar.md changed its transports: update test/helpers/crossbar-docs.ts');
  }
  people.endpoint.port = port;
  containers.endpoint.port = containerPort;
  containers.endpoint.interface = gateway;
  const config = JSON.stringify(doc, null, 2).replaceAll('"berth._authenticate"', `"${domain}._authenticate"`).replaceAll('"berth._authorize"', `"${domain}._authorize"`);
  const dir = mkdtempSync(join(tmpdir(), 'berth-crossbar-docs-'));
  const template = join(dir, 'config.json');
  writeFileSync(template, config);
  const crossbar = await Crossbar.start({ port, template });
  return {
    crossbar,
    url: crossbar.url,
    containerPort,
    containerRouterUrl: `ws://host.docker.internal:${containerPort}/ws`,
    containerUrlFromHost: `ws://${gateway}:${containerPort}/ws`,
    berthArgs: (d) => ['--router', crossbar.url, '--domain', d, '--authid', 'berth', '--ticket', DOCS_USERS.berth, '--container-router-url', `ws://host.docker.internal:${containerPort}/ws`],
    [Symbol.asyncDispose]: async () => {
      await crossbar[Symbol.asyncDispose]();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
