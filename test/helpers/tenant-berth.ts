import { BerthProcess } from './berth-process.js';
import { writeConfig } from './build-helpers.js';
import { DOCS_USERS, startDocsCrossbar, type DocsCrossbar } from './crossbar-docs.js';
import { bridgeGateway } from './docker.js';
import { Nexus } from './nexus.js';
import type { RouterKind } from './test-router.js';
import { freePort } from './wait-for.js';
import { WampClient } from './wamp-client.js';

export type User = 'alice' | 'bob' | 'root';
export const USERS: readonly User[] = ['alice', 'bob', 'root'];

/** berth with ticket users alice and bob (role user) and root (role admin), on either router (tenancy). */
export interface TenantBerth extends AsyncDisposable {
  berth: BerthProcess;
  /** Where users join. */
  readonly url: string;
  /** Where containers join, as the host reaches that listener (their credentials only). */
  readonly containersUrl: string;
  /** berth's arguments, to start it again the same way. */
  readonly args: string[];
  connect(who: User): Promise<WampClient>;
  /** Stop berth and start it again with the same arguments. */
  restart(): Promise<void>;
}

/**
 * Crossbar.io exactly as docs/crossbar.md configures it (its principals are the users), or berth's embedded router
 * with the same users in `embeddedRouter.tickets` and anonymous off, or nexus (no tickets: every user joins anonymous,
 * all one owner; containers reach it on the bridge gateway). `config` is the rest of berth's config file.
 */
export async function startTenantBerth(kind: RouterKind, domain: string, dir: string, config: Record<string, unknown>, procedures?: number): Promise<TenantBerth> {
  let crossbar: DocsCrossbar | undefined;
  let nexus: Nexus | undefined;
  let url: string;
  let containersUrl: string;
  let args: string[];
  if (kind === 'crossbar') {
    crossbar = await startDocsCrossbar(domain);
    url = crossbar.url;
    containersUrl = crossbar.containerUrlFromHost;
    args = [...crossbar.berthArgs(domain), '--config', writeConfig(dir, config)];
  } else if (kind === 'nexus') {
    nexus = await Nexus.start({ host: await bridgeGateway() });
    url = containersUrl = nexus.url;
    args = ['--router', url, '--domain', domain, '--config', writeConfig(dir, config)];
  } else {
    const port = await freePort();
    url = `ws://127.0.0.1:${port}/ws`;
    containersUrl = `ws://${await bridgeGateway()}:${port}/ws`;
    const tickets = { alice: { secret: DOCS_USERS.alice, role: 'user' }, bob: { secret: DOCS_USERS.bob, role: 'user' }, root: { secret: DOCS_USERS.root, role: 'admin' } };
    args = ['--listen', `127.0.0.1:${port}`, '--domain', domain, '--config', writeConfig(dir, { ...config, embeddedRouter: { tickets, anonymous: false } })];
  }
  const start = () => BerthProcess.start(args, procedures === undefined ? {} : { procedures });
  const tenant: TenantBerth = {
    berth: await start().catch(async (err: unknown) => {
      await crossbar?.[Symbol.asyncDispose]();
      await nexus?.[Symbol.asyncDispose]();
      throw err;
    }),
    url,
    containersUrl,
    args,
    connect: (who) => WampClient.connect(url, nexus ? {} : { authid: who, ticket: DOCS_USERS[who] }),
    restart: async () => {
      await tenant.berth.stop();
      tenant.berth = await start();
    },
    [Symbol.asyncDispose]: async () => {
      await tenant.berth.stop();
      await crossbar?.[Symbol.asyncDispose]();
      await nexus?.[Symbol.asyncDispose]();
    },
  };
  return tenant;
}
