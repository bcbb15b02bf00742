import { constants } from 'node:fs';
import { lstat, open } from 'node:fs/promises';
import { join } from 'node:path';
import { load as loadYaml } from 'js-yaml';
import { z } from 'zod';
import { RESERVED_ENV } from '../container-environment.js';
import { BerthError } from '../errors.js';
import { healthcheckSchema, volumesSchema } from './runfile-lifecycle.js';

export const RUNFILE = 'Run.yaml';
export const MAX_RUNFILE_BYTES = 64 * 1024;

// eslint-disable-next-line no-control-regex
const ONE_LINE = /^[^\x00\r\n]*$/;
const noNul = (s: string) => !s.includes('\0');

const command = z.union(
  [
    z.string().min(1, 'must not be empty').max(4096, 'must be at most 4096 characters').regex(ONE_LINE, 'must be one line without NUL'),
    z.array(z.string().max(4096).regex(ONE_LINE, 'items must be one line without NUL')).min(1, 'must not be empty').max(256),
  ],
  { error: 'must be a string (run by /bin/sh -c) or a list of strings (exec form)' },
);

const envValue = z
  .union([z.string(), z.number(), z.boolean()], { error: 'values must be strings, numbers or booleans' })
  .transform(String)
  .refine((v) => noNul(v) && Buffer.byteLength(v) <= 32 * 1024, 'values must be at most 32 KiB without NUL');

export const runfileSchema = z
  .object({
    Base: z
      .string({ error: 'must be a string' })
      .min(1, 'must not be empty')
      .max(255, 'must be at most 255 characters')
      .regex(/^[^\s\x00]+$/, 'must be a base name or image reference without whitespace or newlines'),
    Command: command,
    Setup: z
      .array(z.string({ error: 'steps must be strings' }).min(1, 'steps must not be empty').max(16_384).refine(noNul, 'steps must not contain NUL'), {
        error: 'must be a list of shell commands',
      })
      .max(64, 'must have at most 64 steps')
      .default([]),
    Env: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'keys must be variable names ([A-Za-z_][A-Za-z0-9_]*)'), envValue, {
        error: 'must be a mapping of variable names to values',
      })
      .refine((e) => !RESERVED_ENV.some((k) => k in e), `may not set ${RESERVED_ENV.join(', ')} (berth sets them)`)
      .refine((e) => Object.keys(e).length <= 256, 'must hold at most 256 variables')
      .default({}),
    Volumes: volumesSchema,
    Healthcheck: healthcheckSchema.optional(),
  })
  .strict();

export type Runfile = z.infer<typeof runfileSchema>;

const KEYS = Object.keys(runfileSchema.shape).join(', ');

/** Parse Run.yaml text: core schema, no aliases (alias bombs), bounded depth, strict keys. */
export function parseRunfile(text: string): Runfile {
  if (Buffer.byteLength(text) > MAX_RUNFILE_BYTES) throw invalid(`${RUNFILE} is larger than ${MAX_RUNFILE_BYTES} bytes`);
  if (!/[^\s]/.test(text.replace(/#.*$/gm, ''))) throw invalid(`${RUNFILE} is empty; it must be a mapping with Base and Command`);
  let doc: unknown;
  try {
    doc = loadYaml(text, { json: false, maxAliases: 0, maxDepth: 10, maxTotalMergeKeys: 0, filename: RUNFILE });
  } catch (err) {
    const first = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw invalid(`${RUNFILE} is not valid YAML: ${first}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw invalid(`${RUNFILE} must be a mapping with Base and Command`);
  // Unknown keys first: a misspelt `base` should be named, not reported as a missing `Base`.
  const unknown = Object.keys(doc).filter((k) => !(k in runfileSchema.shape));
  if (unknown.length) {
    throw invalid(`unknown key ${unknown.map((k) => `"${k}"`).join(', ')} in ${RUNFILE} (keys are ${KEYS}; case-sensitive)`, { key: unknown[0] });
  }
  const missing = ['Base', 'Command'].find((k) => !(k in doc));
  if (missing) throw invalid(`${RUNFILE}: ${missing} is required`, { key: missing });
  const parsed = runfileSchema.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    if (issue.code === 'unrecognized_keys') {
      throw invalid(`unknown key ${issue.keys.map((k) => `"${k}"`).join(', ')} in ${RUNFILE} (keys are ${KEYS}; case-sensitive)`, { key: issue.keys[0] });
    }
    const key = issue.path.map(String).join('.');
    throw invalid(`${RUNFILE}: ${key || 'document'} ${issue.code === 'invalid_type' && valueAt(doc, issue.path) === undefined ? 'is required' : issue.message}`, { key: String(issue.path[0] ?? '') });
  }
  return parsed.data;
}

/** Read `<root>/Run.yaml`: a regular file (never a symlink), at most 64 KiB. */
export async function readRunfile(root: string): Promise<Runfile> {
  const path = join(root, RUNFILE);
  const st = await lstat(path).catch(() => undefined);
  if (!st) throw invalid(`no ${RUNFILE} at the build root`);
  if (st.isSymbolicLink()) throw invalid(`${RUNFILE} is a symbolic link; it must be a regular file`);
  if (!st.isFile()) throw invalid(`${RUNFILE} is not a regular file`);
  if (st.size > MAX_RUNFILE_BYTES) throw invalid(`${RUNFILE} is larger than ${MAX_RUNFILE_BYTES} bytes`);
  // O_NOFOLLOW: the file cannot be swapped for a link between lstat and open.
  const fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const buf = Buffer.alloc(MAX_RUNFILE_BYTES + 1);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    if (bytesRead > MAX_RUNFILE_BYTES) throw invalid(`${RUNFILE} is larger than ${MAX_RUNFILE_BYTES} bytes`);
    const text = new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(0, bytesRead));
    return parseRunfile(text);
  } catch (err) {
    if (err instanceof BerthError) throw err;
    throw invalid(`${RUNFILE} is not UTF-8 text`);
  } finally {
    await fh.close();
  }
}

/** The value at a zod issue's path in the parsed document (zod does not report the input unless asked). */
function valueAt(doc: unknown, path: readonly PropertyKey[]): unknown {
  let v = doc;
  for (const k of path) v = v !== null && typeof v === 'object' && Object.hasOwn(v, k) ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

function invalid(message: string, details: Record<string, unknown> = {}): BerthError {
  return new BerthError('invalid_runfile', message, details);
}
