import { z } from 'zod';
import { WORKDIR } from './dockerfile.js';

/** At most this many Run.yaml Volumes. */
export const MAX_VOLUMES = 8;

/**
 * Paths a volume may never be mounted on (nor below): the kernel's and the engine's file systems, and the sandbox's
 * own /tmp tmpfs. `/` itself and the app's directory (WORKDIR, the code) are refused as well, but paths below the app
 * directory are fine (`/app/data`).
 */
const FORBIDDEN_TREES = ['/proc', '/sys', '/dev', '/tmp'];

/** Why `path` cannot be a volume, or undefined when it can. */
export function volumePathProblem(path: string): string | undefined {
  if (!path.startsWith('/')) return `"${path}" is not an absolute path`;
  if (!/^[A-Za-z0-9._/-]+$/.test(path)) return `"${path}" may contain only letters, digits, ".", "_", "-" and "/"`;
  if (path.length > 255) return `"${path.slice(0, 40)}…" is longer than 255 characters`;
  const parts = path.split('/').slice(1);
  if (path === '/') return '"/" cannot be a volume (the whole file system)';
  if (parts.some((p) => p === '')) return `"${path}" has an empty component (// or a trailing /)`;
  if (parts.some((p) => p === '.' || p === '..')) return `"${path}" has a "." or ".." component`;
  const tree = FORBIDDEN_TREES.find((t) => path === t || path.startsWith(`${t}/`));
  if (tree) return `"${path}" is ${path === tree ? '' : 'under '}${tree}, which berth or the kernel owns`;
  if (path === WORKDIR) return `"${path}" is the app's own directory (its code); use a directory below it, such as ${WORKDIR}/data`;
  return undefined;
}

/** Run.yaml `Volumes`: absolute paths where the app keeps state, each one named Docker volume per container. */
export const volumesSchema = z
  .array(z.string({ error: 'items must be strings (absolute paths)' }), { error: 'must be a list of absolute paths' })
  .max(MAX_VOLUMES, `must have at most ${MAX_VOLUMES} paths`)
  .superRefine((paths, ctx) => {
    for (const p of paths) {
      const problem = volumePathProblem(p);
      if (problem) return void ctx.addIssue({ code: 'custom', message: `entry ${problem}` });
    }
    for (const [i, p] of paths.entries()) {
      const other = paths.find((q, j) => j !== i && (q === p || p.startsWith(`${q}/`)));
      if (other === p) return void ctx.addIssue({ code: 'custom', message: `entry "${p}" is listed twice` });
      if (other) return void ctx.addIssue({ code: 'custom', message: `entry "${p}" is inside "${other}" (volumes may not overlap)` });
    }
  })
  .default([]);

/** A duration as Docker's HEALTHCHECK takes it: "10s", "1m30s", "500ms", or a number of seconds. → milliseconds. */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.round(value * 1000) : undefined;
  if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(value)) return undefined;
  let ms = 0;
  for (const [, n, unit] of value.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    ms += Number(n) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit as 'ms' | 's' | 'm' | 'h'];
  }
  return Math.round(ms);
}

const duration = (min: number, max: number, fallback: number) =>
  z
    .union([z.string(), z.number()], { error: 'must be a duration such as 10s, 1m30s or 500ms' })
    .transform((v, ctx) => {
      const ms = parseDuration(v);
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: 'must be a duration such as 10s, 1m30s or 500ms' });
        return z.NEVER;
      }
      if (ms < min || ms > max) {
        ctx.addIssue({ code: 'custom', message: `must be between ${min / 1000}s and ${max / 1000}s` });
        return z.NEVER;
      }
      return ms;
    })
    .default(fallback);

// eslint-disable-next-line no-control-regex
const ONE_LINE = /^[^\x00\r\n]*$/;

/**
 * Run.yaml `Healthcheck`: the image's Docker health check. Command is exec form (a list: never a shell string made by
 * berth); durations are kept in milliseconds.
 */
export const healthcheckSchema = z
  .object(
    {
      Command: z
        .array(z.string({ error: 'items must be strings' }).max(4096).regex(ONE_LINE, 'items must be one line without NUL'), {
          error: 'must be a list of strings (exec form), such as [wget, -q, -O-, http://127.0.0.1:8080/health]',
        })
        .min(1, 'must not be empty')
        .max(256),
      Interval: duration(1000, 3_600_000, 10_000),
      Timeout: duration(1000, 3_600_000, 3_000),
      Retries: z.number({ error: 'must be an integer' }).int('must be an integer').min(1, 'must be at least 1').max(100, 'must be at most 100').default(3),
      StartPeriod: duration(0, 3_600_000, 10_000),
    },
    { error: 'must be a mapping with Command (and optionally Interval, Timeout, Retries, StartPeriod)' },
  )
  .strict();

export type Healthcheck = z.infer<typeof healthcheckSchema>;

/** How long a replacement may take to become healthy: StartPeriod + Interval × Retries (plus one Timeout for the last try). */
export function healthDeadlineMs(h: Pick<Healthcheck, 'Interval' | 'Timeout' | 'Retries' | 'StartPeriod'>): number {
  return h.StartPeriod + h.Interval * h.Retries + h.Timeout;
}
