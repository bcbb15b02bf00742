import { deny, KNOWN_METHODS, staticAuthenticator, type AuthDecision, type Authenticate, type HelloInfo, type RealmDirectory } from '../router/authenticate.js';
import { checkContainerTicket } from './container-credentials.js';
import type { ContainerDirectory } from './container-directory.js';
import { CONTAINER_ROLE } from './fabric-policy.js';

type Users = Readonly<Record<string, { readonly secret: string; readonly role: string }>>;

export interface EmbeddedAuthOptions {
  readonly domain: string;
  /** `embeddedRouter.tickets` and `embeddedRouter.wampcra`: authid → {secret, role}. */
  readonly tickets: Users;
  readonly wampcra: Users;
  /** `embeddedRouter.anonymous`: anonymous joins on the operators' side. */
  readonly anonymous: boolean;
  /** Whether a client came in where containers connect (the bridge gateway): there only container tickets count. */
  readonly containerSide: (hello: HelloInfo) => boolean;
  readonly containers: ContainerDirectory;
  readonly realms: RealmDirectory;
}

/**
 * Who may join berth's embedded router. Where containers connect, only WAMP-Ticket of a container authid `D.N`
 * with that container's current ticket, as role `container`. On the operators' side (`--listen`): the configured
 * ticket and WAMP-CRA users, anonymous (unless switched off), and container tickets too (still role `container`).
 * The client's authmethods are tried in its order and unconfigured ones skipped, as Crossbar.io does, so both routers
 * answer the same HELLO alike (`wamp.error.no_auth_method` when nothing offered is accepted).
 */
export function embeddedAuthenticator(options: EmbeddedAuthOptions): Authenticate {
  const { domain, realms } = options;
  const users = staticAuthenticator(
    {
      ...(options.anonymous ? { anonymous: { role: 'anonymous' } } : {}),
      ticket: { principals: Object.fromEntries(Object.entries(options.tickets).map(([id, u]) => [id, { ticket: u.secret, role: u.role }])) },
      ...(Object.keys(options.wampcra).length > 0 ? { wampcra: { users: { ...options.wampcra } } } : {}),
    },
    realms,
  );
  const containerTicket = (hello: HelloInfo): AuthDecision => ({
    // Challenged before anything is checked (as Crossbar.io's dynamic ticket authenticator does), so that a HELLO alone
    // tells nobody which containers exist.
    outcome: 'challenge',
    authmethod: 'ticket',
    extra: {},
    verify: async (ticket) => {
      await options.containers.ready();
      const check = checkContainerTicket(domain, (name) => options.containers.getReplicas(name), hello.authid, ticket);
      if (!check.ok) return deny(check.message, 'wamp.error.authentication_failed');
      // The replica number goes to the session's authextra, as Crossbar.io passes berth's dynamic authenticator's `extra`.
      const authextra = { domain: hello.authid!, replica: check.replica };
      return { outcome: 'welcome', authid: hello.authid!, authrole: CONTAINER_ROLE, authmethod: 'ticket', authprovider: 'berth', authextra };
    },
  });
  return (hello) => {
    const containerSide = options.containerSide(hello);
    for (const method of hello.authmethods) {
      if (!KNOWN_METHODS.has(method)) return deny(`invalid authmethod "${method}"`);
      if (method === 'ticket' && (containerSide || hello.authid?.startsWith(`${domain}.`))) return containerTicket(hello);
      if (containerSide) continue;
      if (method === 'anonymous' && options.anonymous) return users({ ...hello, authmethods: [method] });
      if (method === 'ticket') return users({ ...hello, authmethods: [method] });
      if (method === 'wampcra' && Object.keys(options.wampcra).length > 0) return users({ ...hello, authmethods: [method] });
    }
    return deny(`cannot authenticate using any of the offered authmethods ${JSON.stringify(hello.authmethods)}`, 'wamp.error.no_auth_method');
  };
}
