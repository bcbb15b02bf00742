import type { ContainerRecord } from '../engine/engine.js';
import { LABELS } from '../engine/labels.js';
import { BerthError, failures } from '../errors.js';
import type { Logger } from '../log.js';
import type { Call } from '../wamp/call.js';
import { CONTAINER_ROLE } from './fabric-policy.js';
import { ANONYMOUS_OWNER, ownerOf } from './owner-of.js';
import type { Tenancy } from './tenancy.js';

/** Who a call comes from, as the appliance judges it. */
export interface Caller {
  /** Whose items the caller sees and makes: its owner name (`anonymous` for every anonymous caller). */
  readonly owner: string;
  /** As disclosed by the router (undefined when it disclosed nothing, possible only in `open` mode). */
  readonly authid: string | undefined;
  readonly authrole: string | undefined;
  /** Sees and manages everything (its role is one of adminRoles). A container caller never is. */
  readonly admin: boolean;
}

export interface CallersOptions {
  readonly tenancy: Tenancy;
  readonly domain: string;
  /** The container of this domain with this name, if any (the index). */
  readonly container: (name: string) => ContainerRecord | undefined;
  readonly log: Logger;
}

/** The owner an item's labels name; items made before owners existed belong to `anonymous`. */
export function itemOwner(labels: Readonly<Record<string, string>>): string {
  return labels[LABELS.owner] || ANONYMOUS_OWNER;
}

/** The labels that record who made an item (berth.owner, berth.owner-role). */
export function ownerLabels(owner: string, role: string): Record<string, string> {
  return { [LABELS.owner]: owner, [LABELS.ownerRole]: role };
}

/**
 * Caller identity and the ownership rules of `callers: owner`. In `open` mode everyone may do everything,
 * but owners are still recorded, so switching to `owner` later keeps everyone's items apart.
 */
export class Callers {
  private warned = false;

  constructor(private readonly o: CallersOptions) {}

  /**
   * The caller of a call, from caller disclosure. A container (role `container`, authid `D.N`) acts as the owner of
   * container N. In `owner` mode a call the router did not disclose is refused: berth cannot tell whose it is.
   */
  identify(call: Call): Caller {
    const { tenancy } = this.o;
    const authid = call.caller?.authid;
    const authrole = call.caller?.authrole;
    const open = tenancy.callers === 'open';
    if (authrole === CONTAINER_ROLE) return this.container(call, authid, open);
    const owner = ownerOf(authid, authrole);
    if (owner === undefined) {
      if (open) return { owner: ANONYMOUS_OWNER, authid, authrole, admin: false };
      this.warnOnce(call.procedure);
      throw failures.noCallerIdentity(call.procedure);
    }
    return { owner, authid, authrole, admin: authrole !== undefined && tenancy.adminRoles.includes(authrole) };
  }

  /** May the caller see and manage an item of this owner? */
  owns(caller: Caller, owner: string): boolean {
    return this.o.tenancy.callers === 'open' || caller.admin || caller.owner === owner;
  }

  /** May the caller create containers from this image: its own, or one an admin role built. */
  mayUse(caller: Caller, imageLabels: Readonly<Record<string, string>>): boolean {
    const role = imageLabels[LABELS.ownerRole];
    return this.owns(caller, itemOwner(imageLabels)) || (role !== undefined && role !== '' && this.o.tenancy.adminRoles.includes(role));
  }

  private container(call: Call, authid: string | undefined, open: boolean): Caller {
    const { tenancy, domain } = this.o;
    const name = authid?.startsWith(`${domain}.`) ? authid.slice(domain.length + 1) : '';
    const record = name ? this.o.container(name) : undefined;
    if (!open) {
      // The router refuses these already (fabric-policy.ts); berth does not rely on it.
      if (!tenancy.callAppliance) throw new BerthError('not_authorized', `${call.procedure} refused: containers may not call the appliance (containers.callAppliance is false)`);
      if (!record) throw new BerthError('not_authorized', `${call.procedure} refused: "${authid ?? ''}" is not a container of domain ${domain}`);
    }
    return { owner: record ? itemOwner(record.labels) : ANONYMOUS_OWNER, authid, authrole: CONTAINER_ROLE, admin: false };
  }

  private warnOnce(procedure: string): void {
    if (this.warned) return;
    this.warned = true;
    this.o.log.warn(
      { procedure },
      "the router does not disclose callers to berth: calls are refused in callers: owner mode; enable caller disclosure for calls to berth's role (see docs/security.md, Callers own what they create)",
    );
  }
}
