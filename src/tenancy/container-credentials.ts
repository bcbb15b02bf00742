import { ticketMatches } from '../container-ticket.js';
import { LABELS, replicaOf } from '../engine/labels.js';
import type { ContainerRecord } from '../engine/engine.js';
import { CONTAINER_NAME } from '../appliance/names.js';

export type TicketCheck = { readonly ok: true; readonly name: string; readonly replica: number } | { readonly ok: false; readonly message: string };

/**
 * Whether `ticket` is the current ticket of a replica of the container whose authid (its domain `D.N`) is `authid`;
 * if so, which replica (every replica joins as `D.N`, each with its own ticket). Only containers that exist now count:
 * a removed container's (or replica's) ticket is revoked with it, and a re-created one has a new one.
 */
export function checkContainerTicket(
  domain: string,
  lookup: (name: string) => readonly ContainerRecord[],
  authid: string | undefined,
  ticket: unknown,
): TicketCheck {
  const name = authid?.startsWith(`${domain}.`) ? authid.slice(domain.length + 1) : '';
  if (!CONTAINER_NAME.test(name)) return { ok: false, message: `authid "${authid ?? ''}" is not a container of domain ${domain}` };
  const replicas = lookup(name);
  if (replicas.length === 0) return { ok: false, message: `no container "${name}" exists in domain ${domain}` };
  const record = typeof ticket === 'string' ? replicas.find((r) => ticketMatches(ticket, r.labels[LABELS.ticket])) : undefined;
  if (!record) return { ok: false, message: `invalid ticket for ${authid}` };
  return { ok: true, name, replica: replicaOf(record.labels) };
}
