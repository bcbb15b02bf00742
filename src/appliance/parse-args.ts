import { z } from 'zod';
import { BerthError } from '../errors.js';
import type { Call } from '../wamp/call.js';

/**
 * Arguments may come positionally in the listed order or as keyword arguments of the same names (not both for one name).
 * The merged object is validated by the procedure's zod schema; any failure is `wamp.error.invalid_argument`.
 */
export function parseArgs<S extends z.ZodObject>(call: Call, names: readonly string[], schema: S): z.infer<S> {
  if (call.args.length > names.length) {
    throw invalid(`${call.procedure} takes at most ${names.length} argument${names.length === 1 ? '' : 's'} (${names.join(', ') || 'none'}), got ${call.args.length}`);
  }
  const merged: Record<string, unknown> = {};
  call.args.forEach((value, i) => (merged[names[i]!] = value));
  for (const [key, value] of Object.entries(call.kwargs)) {
    if (!names.includes(key)) throw invalid(`${call.procedure} got an unexpected keyword argument "${key}"`);
    if (key in merged) throw invalid(`${call.procedure} got two values for "${key}" (positional and keyword)`);
    merged[key] = value;
  }
  const parsed = schema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length ? issue.path.map(String).join('.') : 'arguments';
    throw invalid(`${call.procedure}: ${where} ${issue.message}`, { argument: String(issue.path[0] ?? '') });
  }
  return parsed.data;
}

function invalid(message: string, details: Record<string, unknown> = {}): BerthError {
  return new BerthError('invalid_argument', message, details);
}
