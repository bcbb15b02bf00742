/** Loose WAMP URIs as in the Exis fabric: `D/op` for the appliance, `D/<name>/op` per container. */
export function applianceUri(domain: string, op: string): string {
  return `${domain}/${op}`;
}

export function containerUri(domain: string, name: string, op: string): string {
  return `${domain}/${name}/${op}`;
}

/** The domain a container joins the fabric under. */
export function containerDomain(domain: string, name: string): string {
  return `${domain}.${name}`;
}
