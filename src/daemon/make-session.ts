import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { StandaloneRouter } from '../standalone-router.js';
import { AutobahnSession } from '../wamp/autobahn-session.js';
import { LocalSession } from '../wamp/local-session.js';
import type { SessionEvents, WampSession } from '../wamp/wamp-session.js';

export type OnReady = (joined: { procedures: number }) => void;

/** berth's session: on its own router an in-process peer (no frame limit, no JSON round trip, never dropped by pings). */
export function makeSession(
  config: Config,
  router: StandaloneRouter | undefined,
  onReady: OnReady,
  log: Logger,
  onAnswered?: SessionEvents['onAnswered'],
): { session: WampSession; external?: AutobahnSession } {
  const sessionLog = log.child({ part: 'wamp' });
  if (router) return { session: new LocalSession({ join: () => router.joinLocal(), log: sessionLog, maxResultBytes: config.maxResultBytes, onReady, onAnswered }) };
  const external = new AutobahnSession({
    url: config.router!,
    realm: config.realm,
    authid: config.authid,
    ticket: config.ticket,
    log: sessionLog,
    maxResultBytes: config.maxResultBytes,
    onReady,
    onAnswered,
  });
  return { session: external, external };
}
