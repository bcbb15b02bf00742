import type { Action, Authorization } from '../router/authorize.js';
import type { MatchPolicy } from '../router/uri.js';
import { CONTAINER_NAME } from '../appliance/names.js';
import { ownerOf } from './owner-of.js';
import { hasEmptyComponent, mayReach, within } from './uri-reach.js';

/** The role every container session gets; reserved (no configured user may have it). */
export const CONTAINER_ROLE = 'container';
/** berth's own role on the embedded router; reserved too. */
export const BERTH_ROLE = 'berth';

/** What the fabric rules need to know; `buildOwner` is read at each decision, so it follows berth's state. */
export interface FabricPolicy {
  readonly domain: string;
  readonly callers: 'owner' | 'open';
  readonly adminRoles: readonly string[];
  /** `containers.callAppliance`: containers may call `D/…` (as their owner). */
  readonly callAppliance: boolean;
  /** The owner of what `D/build/<name>` carries now (the running build, else the image), if anyone. */
  readonly buildOwner: (name: string) => Promise<string | undefined>;
  /** The owner of the container `<name>` (whose output `D/<name>/logs` carries), if it exists. */
  readonly containerOwner: (name: string) => string | undefined;
}

export interface FabricSession {
  readonly authid: string;
  readonly authrole: string;
}

const ALLOW: Authorization = Object.freeze({ allow: true, disclose: true });
const DENY: Authorization = Object.freeze({ allow: false, disclose: false });

/**
 * Who may do what on the fabric, the same rules on the embedded router (its authorize hook) and on Crossbar.io
 * (`D._authorize`). Callers are always disclosed, so berth knows who calls it.
 * - role `berth`: everything.
 * - role `container` (authid `D.N`): register and publish only under `D.N/` and `D.N.`; call and subscribe anywhere except
 *   the appliance's `D/` (calls allowed with `callAppliance`), berth's own `D._…` and the router's `wamp.…` meta API.
 * - every other role: register and publish nowhere under `D/` or `D.` (the appliance's and the containers' domains, in
 *   any letter case); call anything but `D._…`; subscribe anywhere, except that a build topic `D/build/<name>` or a logs
 *   topic `D/<name>/logs` of another owner is refused in `owner` mode (admins excepted), and so are patterns
 *   that would reach build or logs topics.
 */
export async function authorizeFabric(
  policy: FabricPolicy,
  session: FabricSession,
  action: Action,
  uri: string,
  match: MatchPolicy = 'exact',
): Promise<Authorization> {
  if (session.authrole === BERTH_ROLE) return ALLOW;
  if (session.authrole === CONTAINER_ROLE) return container(policy, session.authid, action, uri, match) ? ALLOW : DENY;
  return (await other(policy, session, action, uri, match)) ? ALLOW : DENY;
}

function container(policy: FabricPolicy, authid: string, action: Action, uri: string, match: MatchPolicy): boolean {
  const { domain } = policy;
  const name = authid.startsWith(`${domain}.`) ? authid.slice(domain.length + 1) : '';
  if (!CONTAINER_NAME.test(name)) return false;
  if (action === 'register' || action === 'publish') {
    if (match === 'exact' && hasEmptyComponent(uri)) return false;
    return within(uri, match, `${domain}.${name}/`) || within(uri, match, `${domain}.${name}.`);
  }
  const lower = uri.toLowerCase();
  if (mayReach(lower, match, `${domain}._`) || mayReach(lower, match, 'wamp.')) return false;
  if (mayReach(lower, match, `${domain}/`)) return action === 'call' && policy.callAppliance && match === 'exact';
  return true;
}

async function other(policy: FabricPolicy, session: FabricSession, action: Action, uri: string, match: MatchPolicy): Promise<boolean> {
  const { domain } = policy;
  const lower = uri.toLowerCase();
  if (action === 'register' || action === 'publish') return !mayReach(lower, match, `${domain}/`) && !mayReach(lower, match, `${domain}.`);
  if (action === 'call') return !mayReach(lower, match, `${domain}._`);
  // subscribe
  if (policy.callers === 'open' || policy.adminRoles.includes(session.authrole)) return true;
  const me = ownerOf(session.authid, session.authrole);
  if (match === 'exact') {
    const logsOf = logsTopicName(domain, uri);
    const owner = logsOf === undefined ? undefined : policy.containerOwner(logsOf);
    if (owner !== undefined && owner !== me) return false;
  } else if (mayReachLogs(domain, lower, match)) return false;
  const topics = `${domain}/build/`;
  if (!mayReach(lower, match, topics)) return true;
  if (match !== 'exact' || !uri.startsWith(topics)) return false;
  const owner = await policy.buildOwner(uri.slice(topics.length));
  return owner === undefined || owner === me;
}

/** The container whose logs an exact topic `D/<name>/logs` carries, if it is one. */
export function logsTopicName(domain: string, uri: string): string | undefined {
  const head = `${domain}/`;
  if (!uri.startsWith(head) || !uri.endsWith('/logs')) return undefined;
  const name = uri.slice(head.length, -'/logs'.length);
  return CONTAINER_NAME.test(name) ? name : undefined;
}

/**
 * Whether a pattern (lowercased) may match some container's `D/<name>/logs`: a prefix that is a prefix of such a topic,
 * or a wildcard whose components fit one (the domain's dots make the components; a name has none).
 */
export function mayReachLogs(domain: string, lower: string, match: MatchPolicy): boolean {
  const head = `${domain}/`;
  if (match === 'prefix') {
    if (head.startsWith(lower)) return true;
    if (!lower.startsWith(head)) return false;
    const rest = lower.slice(head.length);
    const slash = rest.indexOf('/');
    return slash === -1 || '/logs'.startsWith(rest.slice(slash));
  }
  if (match !== 'wildcard') return false;
  const want = lower.split('.');
  const parts = domain.split('.');
  if (want.length !== parts.length) return false;
  const last = want[want.length - 1]!;
  const lead = want.slice(0, -1).every((w, i) => w === '' || w === parts[i]);
  return lead && (last === '' || (last.startsWith(`${parts[parts.length - 1]}/`) && last.endsWith('/logs')));
}
