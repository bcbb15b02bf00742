import autobahn from 'autobahn';
import { BerthError } from '../../../src/errors.js';
import { createLogger } from '../../../src/log.js';
import { EmbeddedRouter } from '../../../src/router/embedded-router.js';
import type { Handler } from '../../../src/wamp/call.js';
import { AutobahnSession } from '../../../src/wamp/autobahn-session.js';
import { LocalSession } from '../../../src/wamp/local-session.js';
import type { WampSession } from '../../../src/wamp/wamp-session.js';
import { WampClient } from '../../helpers/wamp-client.js';
import { waitFor } from '../../helpers/wait-for.js';

export type SessionKind = 'local' | 'autobahn';
export const REALM = 'realm1';
const ALL = { call: true, register: true, publish: true, subscribe: true };
const TICKET = 'unit-test-ticket';

/** A real embedded router on loopback: role `berth` (berth's session) and anonymous callers, both allowed everything. */
export async function startRouter(): Promise<EmbeddedRouter> {
  return EmbeddedRouter.start({
    listen: [{ host: '127.0.0.1', port: 0 }],
    realms: [
      {
        name: REALM,
        roles: [
          { name: 'berth', permissions: [{ uri: '', match: 'prefix', allow: ALL, disclose: { caller: true, publisher: true } }] },
          { name: 'anonymous', permissions: [{ uri: '', match: 'prefix', allow: ALL, disclose: { caller: true, publisher: true } }] },
        ],
      },
    ],
    auth: { anonymous: { role: 'anonymous' }, ticket: { principals: { berth: { ticket: TICKET, role: 'berth' } } } },
    limits: { pingIntervalMs: 0 },
  });
}

/** berth's session of either kind on that router, joined, with `onReady` counted. */
export async function startSession(kind: SessionKind, router: EmbeddedRouter, maxResultBytes = 1_000_000): Promise<{ session: WampSession; joins: () => number }> {
  let joins = 0;
  const log = createLogger('silent');
  const onReady = () => void joins++;
  const session =
    kind === 'local'
      ? new LocalSession({ join: () => router.joinLocal(REALM, { authid: 'berth', authrole: 'berth' }), log, maxResultBytes, onReady })
      : new AutobahnSession({ url: router.urls[0]!, realm: REALM, authid: 'berth', ticket: TICKET, log, maxResultBytes, onReady });
  session.start();
  await waitFor('berth to join', () => joins > 0, 10_000, 10);
  return { session, joins: () => joins };
}

export const connect = (router: EmbeddedRouter) => WampClient.connect(router.urls[0]!);

/** A progressive call: its progress lines and its outcome. */
export function callWithProgress(client: WampClient, uri: string): Promise<{ progress: unknown[]; result?: unknown; error?: autobahn.Error }> {
  const progress: unknown[] = [];
  return new Promise((resolve) => {
    (client.session.call(uri, [], {}, { receive_progress: true } as autobahn.ICallOptions) as unknown as {
      then(ok: (r: unknown) => void, err: (e: autobahn.Error) => void, progress: (p: unknown) => void): void;
    }).then(
      (result) => resolve({ progress, result }),
      (error) => resolve({ progress, error }),
      (p) => progress.push(p),
    );
  });
}

export const fail = (message: string): Handler => async () => {
  throw new BerthError('not_found', message, { name: 'web1' });
};
