import autobahn from 'autobahn';
import type { Target } from './targets.js';
import { within } from './compare.js';

export interface JoinOptions {
  authid?: string;
  authmethods?: string[];
  /** ticket or WAMP-CRA secret */
  secret?: string;
}

/** What a join attempt came to: a session, or the ABORT reason (autobahn-js reports it as the close reason/details). */
export type JoinResult =
  | { session: autobahn.Session; connection: autobahn.Connection; welcome: { authid?: string; authrole?: string; authmethod?: string; authprovider?: string } }
  | { refused: string; message: string };

/** Join once with autobahn-js (no retries, bounded in time). */
export function join(target: Target, options: JoinOptions = {}): Promise<JoinResult> {
  const connection = new autobahn.Connection({
    url: target.url,
    realm: target.realm,
    max_retries: 0,
    retry_if_unreachable: false,
    authid: options.authid,
    authmethods: options.authmethods ?? ['anonymous'],
    onchallenge: (_session: autobahn.Session, method: string, extra: { challenge: string; salt?: string; iterations?: number; keylen?: number }) => {
      if (method === 'ticket') return options.secret ?? '';
      const key = extra.salt ? autobahn.auth_cra.derive_key(options.secret ?? '', extra.salt, extra.iterations ?? 1000, extra.keylen ?? 32) : (options.secret ?? '');
      return autobahn.auth_cra.sign(key, extra.challenge);
    },
    on_user_error: () => undefined,
    on_internal_error: () => undefined,
  } as autobahn.IConnectionOptions);
  const joined = new Promise<JoinResult>((resolve) => {
    connection.onopen = (session, details) => resolve({ session, connection, welcome: details as Record<string, string> });
    connection.onclose = (reason, details) => {
      const d = details as { reason?: string; message?: string };
      resolve({ refused: d.reason ?? reason, message: d.message ?? '' });
      return true; // no retries
    };
  });
  connection.open();
  return within(`join ${target.name}`, joined);
}

/** Join, and fail the test if refused. */
export async function session(target: Target, options: JoinOptions = {}): Promise<Client> {
  const r = await join(target, options);
  if ('refused' in r) throw new Error(`join refused by ${target.name}: ${r.refused} ${r.message}`);
  return new Client(r.session, r.connection);
}

/** An autobahn-js session that closes cleanly exactly once (autobahn-js throws on a second close). */
export class Client implements AsyncDisposable {
  private closed = false;

  constructor(
    readonly session: autobahn.Session,
    private readonly connection: autobahn.Connection,
  ) {}

  get id(): number {
    return this.session.id;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const done = new Promise<void>((resolve) => {
      this.connection.onclose = () => {
        resolve();
        return true;
      };
    });
    try {
      this.connection.close();
    } catch {
      return; // already closed by the other side
    }
    await within('close', done).catch(() => undefined);
  }

  /** Close the WebSocket without GOODBYE: what a crashed callee looks like to the router. */
  kill(): void {
    this.closed = true;
    this.connection.onclose = () => true;
    (this.connection.transport as unknown as { close: () => void }).close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
