import { z } from 'zod';

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3 };

/** "300m", "1.5g", "65536" or a number of bytes → bytes; undefined when malformed. */
export function parseBytes(value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value > 0 ? value : undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmg]?b?)\s*$/i.exec(value);
  if (!m) return undefined;
  const bytes = Math.floor(Number(m[1]) * UNITS[m[2]!.toLowerCase()]!);
  return bytes > 0 && Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** Bytes for display: whole MiB/GiB as "300m"/"1g", else the number. */
export function formatBytes(bytes: number): string {
  if (bytes % 1024 ** 3 === 0) return `${bytes / 1024 ** 3}g`;
  if (bytes % 1024 ** 2 === 0) return `${bytes / 1024 ** 2}m`;
  return String(bytes);
}

/** A size given as bytes or with a k/m/g suffix. */
export const byteSize = z
  .union([z.number(), z.string()], { error: 'must be a size such as 300m, 1g or a number of bytes' })
  .transform((v, ctx) => {
    const bytes = parseBytes(v);
    if (bytes === undefined) {
      ctx.addIssue({ code: 'custom', message: 'must be a size such as 300m, 1g or a number of bytes' });
      return z.NEVER;
    }
    return bytes;
  });
