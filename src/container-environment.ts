import { z } from 'zod';

/** Set by berth for every container; a caller may not override them. */
export const RESERVED_ENV = ['WS_URL', 'DOMAIN', 'WAMP_REALM', 'WAMP_AUTHID', 'WAMP_TICKET', 'REPLICA'] as const;

/** What inspect shows instead of a container's ticket. */
export const REDACTED = '(redacted)';

const MAX_VARIABLES = 256;
const MAX_VALUE_BYTES = 32 * 1024;
const MAX_TOTAL_BYTES = 256 * 1024;

export const environmentSchema = z
  .record(
    z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'keys must be variable names ([A-Za-z_][A-Za-z0-9_]*, at most 128)'),
    z.string({ error: 'values must be strings' }).refine((v) => Buffer.byteLength(v) <= MAX_VALUE_BYTES && !v.includes('\0'), {
      message: `values must be at most ${MAX_VALUE_BYTES} bytes without NUL`,
    }),
    { error: 'must be a dictionary of strings' },
  )
  .refine((env) => Object.keys(env).length <= MAX_VARIABLES, { message: `must hold at most ${MAX_VARIABLES} variables` })
  .refine((env) => Object.entries(env).reduce((n, [k, v]) => n + k.length + Buffer.byteLength(v) + 2, 0) <= MAX_TOTAL_BYTES, {
    message: `must total at most ${MAX_TOTAL_BYTES} bytes`,
  })
  .refine((env) => !RESERVED_ENV.some((k) => k in env), { message: `may not set ${RESERVED_ENV.join(', ')} (berth sets them)` });

export function toEnvList(env: Readonly<Record<string, string>>): string[] {
  return Object.entries(env).map(([k, v]) => `${k}=${v}`);
}
