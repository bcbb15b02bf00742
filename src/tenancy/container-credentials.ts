import { ticketMatches } from '../container-ticket.js';
import { LABELS } from '../engine/labels.js';
import type { ContainerRecord } from '../engine/engine.js';
import { CONTAINER_NAME } from '../appliance/names.js';

export type TicketCheck = { readonly ok: true; readonly name: string } | { readonly ok: false; readonly message: string };

/**
 * Whether `ticket` is the current ticket of the container whose authid (its domain `D.N`) is `authid`. Only
 * containers that exist now count: a removed container's ticket is revoked with it, and a re-created one has a new one.
 */
export function checkContainerTicket(
  domain: string,
  lookup: (name: string) => ContainerRecord | undefined,
  authid: string | undefined,
  ticket: unknown,
): TicketCheck {
  const name = authid?.startsWith(`${domain}.`) ? authid.slice(domain.length + 1) : '';
  if (!CONTAINER_NAME.test(name)) return { ok: false, message: `authid "${authid ?? ''}" is not a container of domain ${domain}` };
  const record = lookup(name);
  if (!record) return { ok: false, message: `no container "${name}" exists in domain ${domain}` };
  if (typeof ticket !== 'string' || !ticketMatches(ticket, record.labels[LABELS.ticket])) {
    return { ok: false, message: `invalid ticket for ${authid}` };
  }
  return { ok: true, name };
}
