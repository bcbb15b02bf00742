import { expect } from 'vitest';
import { OnNexus } from './on-nexus.js';
import type { Target, Targets } from './targets.js';

/**
 * Run one scenario against every router (one after the other, so they never compete for the 2 cores) and require the
 * same outcome. `expected` pins what the outcome must contain, so a scenario that silently tests nothing fails too.
 * The embedded router must answer as Crossbar.io; nexus too, unless `onNexus` names why it differs (its outcome is then
 * pinned) or why it cannot run the scenario at all (then it does not run there).
 */
export async function sameOnAll<T>(
  targets: Targets,
  scenario: (t: Target) => Promise<T>,
  expected?: Record<string, unknown> | ((outcome: T) => void),
  onNexus: OnNexus = OnNexus.same,
): Promise<T> {
  const outcomes: Partial<Record<Target['name'], T>> = {};
  for (const t of onNexus.runsOn(targets.all)) outcomes[t.name] = await scenario(t);
  const crossbar = outcomes.crossbar as T;
  if (typeof expected === 'function') expected(crossbar);
  else if (expected !== undefined) expect(crossbar).toMatchObject(expected);
  expect(outcomes.embedded, 'embedded router differs from Crossbar.io').toEqual(crossbar);
  if ('nexus' in outcomes) onNexus.check(outcomes.nexus, crossbar);
  return crossbar;
}

/** Await with a deadline: a scenario must never hang the suite. */
export async function within<T>(what: string, p: PromiseLike<T>, ms = 5_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms)));
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Settle a promise into a comparable value: `{ ok: value }` or `{ error: uri, args, kwargs }`. */
export async function outcome(p: PromiseLike<unknown>, ms = 5_000): Promise<unknown> {
  try {
    return { ok: await within('call', p, ms) };
  } catch (err) {
    const e = err as { error?: string; args?: unknown[]; kwargs?: Record<string, unknown>; message?: string };
    if (typeof e.error === 'string') return { error: e.error, args: e.args ?? [], kwargs: e.kwargs ?? {} };
    return { thrown: String(e.message ?? err) };
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
