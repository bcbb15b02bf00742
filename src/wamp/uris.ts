/** Loose WAMP URIs as in the Exis fabric: `D/op` for the appliance, `D/<name>/op` per container. */
export function applianceUri(domain: string, op: string): string {
  return `${domain}/${op}`;
}

export function containerUri(domain: string, name: string, op: string): string {
  return `${domain}/${name}/${op}`;
}

/**
 * The prefix registration `D/` that serves every `D/<name>/op`: one registration whatever the number of containers.
 * The appliance's own procedures (`D/list`, …) are exact registrations, which a router prefers to a prefix.
 */
export function containerPrefix(domain: string): string {
  return `${domain}/`;
}

/** `D/<name>/<op>` → its name and op; undefined for any other shape (`D/x`, `D/x/y/z`, an empty component, another domain). */
export function parseContainerUri(domain: string, uri: string): { name: string; op: string } | undefined {
  const prefix = containerPrefix(domain);
  if (!uri.startsWith(prefix)) return undefined;
  const parts = uri.slice(prefix.length).split('/');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined;
  return { name: parts[0], op: parts[1] };
}

/** The domain a container joins the fabric under. */
export function containerDomain(domain: string, name: string): string {
  return `${domain}.${name}`;
}
