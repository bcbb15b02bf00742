import { z } from 'zod';
import { routerLimitsSchema } from '../router/router-config.js';
import { normalOrigin } from '../router/origin-policy.js';

/** Roles berth gives itself and its containers: no configured user may claim them. */
export const RESERVED_ROLES = ['berth', 'container', 'trusted'] as const;

const userSchema = z.strictObject({
  secret: z.string().min(1),
  role: z
    .string()
    .min(1)
    .refine((r) => !(RESERVED_ROLES as readonly string[]).includes(r), `must not be one of berth's own roles (${RESERVED_ROLES.join(', ')})`),
});

/**
 * The embedded router (without --router): its limits (docs/router.md) and who may join on the `--listen` listener.
 * Containers join on the bridge gateway's listener with their own tickets only.
 */
export const embeddedRouterSchema = routerLimitsSchema.extend({
  /** authid → {secret, role}: users authenticating with WAMP-Ticket. */
  tickets: z.record(z.string().min(1), userSchema).default({}),
  /** authid → {secret, role}: users authenticating with WAMP-CRA. */
  wampcra: z.record(z.string().min(1), userSchema).default({}),
  /** Anonymous joins on the `--listen` listener (role `anonymous`). */
  anonymous: z.boolean().default(true),
  /**
   * Origins (as a browser sends them: scheme, host and port) whose pages may open a WebSocket to the router, besides
   * the dashboard's own; an upgrade with any other `Origin` gets HTTP 403. Clients that send no Origin are not browsers.
   */
  allowedOrigins: z
    .array(
      z.string().refine((o) => {
        const normal = normalOrigin(o);
        return normal !== undefined && new URL(o).pathname === '/' && !o.includes('?') && !o.includes('#');
      }, 'must be origins such as http://127.0.0.1:3000 (scheme, host and port; no path, no "*")'),
    )
    .default([]),
});

export const tenancySchema = {
  /** `owner`: callers see and manage only what they created (admins everything); `open`: everyone everything. */
  callers: z.enum(['owner', 'open']).default('owner'),
  /** Callers with one of these roles see and manage everything. */
  adminRoles: z.array(z.string().min(1)).default(['admin']),
  /**
   * Per owner: containers that exist, builds that run at once, and replicas wanted beyond each container's first (a
   * container of n replicas uses one of `containers` and n - 1 of `replicas`). Over it: berth.error.quota_exceeded.
   */
  quotas: z
    .strictObject({
      containers: z.number().int().min(0).default(50),
      builds: z.number().int().min(0).default(2),
      replicas: z.number().int().min(0).default(8),
    })
    .prefault({}),
  containers: z.strictObject({ callAppliance: z.boolean().default(false) }).prefault({}),
};
