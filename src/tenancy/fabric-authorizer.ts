import type { Authorize } from '../router/authorize.js';
import { authorizeFabric, type FabricPolicy } from './fabric-policy.js';

/**
 * The embedded router's authorization hook: the fabric rules decide every register/call/subscribe/publish,
 * with the pattern's match policy, instead of static role permissions.
 */
export function fabricAuthorizer(policy: FabricPolicy): Authorize {
  return (session, action, uri, match) => authorizeFabric(policy, session, action, uri, match);
}
