import type { PublishOptions } from '../wamp/wamp-session.js';
import { ANONYMOUS_OWNER } from './owner-of.js';
import type { Tenancy } from './tenancy.js';

/**
 * Who may receive the events of a build owned by `owner`: the owner and admin roles, as one or two sets of
 * publish options (one publish each). Restricting at publish time means a subscription made before the build existed
 * (so the router could not yet refuse it) still receives nothing of another owner's build. An admin owner gets each
 * event once: the admin publish excludes the owner's authid. `open` mode: everyone.
 */
export function buildAudience(tenancy: Pick<Tenancy, 'callers' | 'adminRoles'>, owner: string): PublishOptions[] {
  if (tenancy.callers === 'open') return [{}];
  const admins = [...tenancy.adminRoles];
  if (owner === ANONYMOUS_OWNER) return [{ eligible_authrole: [ANONYMOUS_OWNER, ...admins.filter((r) => r !== ANONYMOUS_OWNER)] }];
  const audience: PublishOptions[] = [{ eligible_authid: [owner] }];
  if (admins.length > 0) audience.push({ eligible_authrole: admins, exclude_authid: [owner] });
  return audience;
}
