import { ERRORS } from '../errors.js';
import { CONTAINER_OPS } from '../appliance/container-endpoints.js';

/**
 * Label values come only from fixed sets, never from what a caller sent: a caller who could mint label values could
 * grow berth's memory and every scraper's without bound.
 */

/** What a call's outcome may be called: ok, an error URI berth raises, or a few the WAMP layer does; anything else is `other`. */
const OUTCOMES: ReadonlySet<string> = new Set([
  'ok',
  ...Object.values(ERRORS).map((e) => e.uri),
  'wamp.error.no_such_procedure',
  'wamp.error.canceled',
  'wamp.error.runtime_error',
]);

export function outcomeLabel(outcome: string): string {
  return OUTCOMES.has(outcome) ? outcome : 'other';
}

/** The refusals by a limit counted in `berth_limit_refusals_total`: the embedded router's and the appliance's. */
export const LIMITS = ['connections', 'queued_bytes', 'backlog', 'message_size', 'quota', 'max_result_bytes'] as const;
export type Limit = (typeof LIMITS)[number];

/** The call outcomes that are refusals by a limit (a quota, maxResultBytes), and which limit. */
export const OUTCOME_LIMITS: Readonly<Record<string, Limit>> = {
  [ERRORS.quota_exceeded.uri]: 'quota',
  [ERRORS.too_large.uri]: 'max_result_bytes',
};

/**
 * A procedure's label from the URI a call reached: the appliance's own procedures (`D/create` → `create`, Crossbar.io's
 * `D._authenticate` → `_authenticate`), every container's operation under one label (`D/<name>/start` →
 * `container/start`: names would be a label per container and procedure; per-container counts are a later step), and
 * `other` for anything else.
 */
export function procedureLabeller(domain: string, applianceOps: readonly string[]): (uri: string) => string {
  const known = new Map<string, string>();
  for (const op of applianceOps) known.set(`${domain}/${op}`, op);
  for (const op of ['_authenticate', '_authorize']) known.set(`${domain}.${op}`, op);
  const containerOps: ReadonlySet<string> = new Set(CONTAINER_OPS);
  const prefix = `${domain}/`;
  return (uri) => {
    const label = known.get(uri);
    if (label) return label;
    if (!uri.startsWith(prefix)) return 'other';
    const rest = uri.slice(prefix.length);
    const slash = rest.indexOf('/');
    const op = rest.slice(slash + 1);
    return slash > 0 && containerOps.has(op) ? `container/${op}` : 'other';
  };
}

/** A health status as the engine says it; anything unexpected is `none` (the container's health metric has four series). */
export const HEALTH_STATUSES = ['starting', 'healthy', 'unhealthy', 'none'] as const;

export function healthLabel(health: string | null): (typeof HEALTH_STATUSES)[number] {
  return (HEALTH_STATUSES as readonly string[]).includes(health ?? '') ? (health as (typeof HEALTH_STATUSES)[number]) : 'none';
}

/** An engine operation is the name of the `Engine` method (a fixed set, named in code); anything odd becomes `other`. */
export function operationLabel(operation: string): string {
  return /^[a-zA-Z]{1,48}$/.test(operation) ? operation : 'other';
}
