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
}

export interface FabricSession {
  readonly authid: string;
  readonly authrole: string;
}

const ALLOW: Authorization = Object.freeze({ allow: true, disclose: true });
const DENY: Authorization = Object.freeze({ allow: false, disclose: false });

/**
 * Who may do what on the fabric (issue 9), the same rules on the embedded router (its authorize hook) and on Crossbar.io
 * (`D._authorize`). Callers are always disclosed, so berth knows who calls it.
 * - role `berth`: everything.
 * - role `container` (authid `D.N`): register and publish only under `D.N/` and `D.N.`; call and subscribe anywhere except
 *   the appliance's `D/` (calls allowed with `callAppliance`), berth's own `D._…` and the router's `wamp.…` meta API.
 * - every other role: register and publish nowhere under `D/` or `D.` (the appliance's and the containers' domains, in
 *   any letter case); call anything but `D._…`; subscribe anywhere, except that a build topic `D/build/<name>` of another
 *   owner is refused in `owner` mode (admins excepted), and so are patterns that would reach build topics.
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
  const topics = `${domain}/build/`;
  if (!mayReach(lower, match, topics)) return true;
  if (match !== 'exact' || !uri.startsWith(topics)) return false;
  const owner = await policy.buildOwner(uri.slice(topics.length));
  return owner === undefined || owner === ownerOf(session.authid, session.authrole);
}
