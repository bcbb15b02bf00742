import type { IndexChange } from '../engine/container-index.js';
import type { ContainerRecord, Engine, ImageHealthcheck } from '../engine/engine.js';
import { BerthError } from '../errors.js';
import { healthDeadlineMs } from '../pipeline/runfile-lifecycle.js';

/** Engine latency on top of a health check's own bound (the probe is scheduled, run and reported by the engine). */
export const HEALTH_GRACE_MS = 1_000;
/** A slow re-read while waiting, in case an engine event is missed (the event stream reconnecting): events lead. */
const RECHECK_MS = 2_000;
/** Log lines and probe output a failure quotes. */
const LOG_LINES = 10;
const MAX_QUOTE = 2_000;

/** What awaitReplacement needs: the engine to read the replacement, and the index's change events to wake on. */
export interface ReplacementWatch {
  readonly engine: Pick<Engine, 'fetchContainer' | 'fetchLogs'>;
  readonly index: { on(e: 'change', f: (c: IndexChange) => void): unknown; off(e: 'change', f: (c: IndexChange) => void): unknown };
}

export type Verdict = { readonly ok: true } | { readonly ok: false; readonly reason?: string };

/** How long a replacement may take: its health check's StartPeriod + Interval × Retries + Timeout (+ grace), else settle. */
export function replacementBudgetMs(check: ImageHealthcheck | null, settleMs: number): number {
  if (!check) return settleMs;
  return healthDeadlineMs({ StartPeriod: check.startPeriodMs, Interval: check.intervalMs, Retries: check.retries, Timeout: check.timeoutMs }) + HEALTH_GRACE_MS;
}

/**
 * Whether a replacement is confirmed (`ok`), failed (`reason`), or still to wait for (neither). `startedAt` is when it
 * first started: another start time means it exited and its restart policy started it again. `over` says the time
 * budget is spent: a replacement without a health check is then confirmed (it ran the whole settle time), one with a
 * health check that is not healthy yet has failed.
 */
export function judgeReplacement(r: ContainerRecord | undefined, startedAt: string | null, check: ImageHealthcheck | null, over: boolean, budgetMs: number): Verdict | undefined {
  if (!r) return { ok: false, reason: 'the replacement container disappeared' };
  if (r.restarting || r.state === 'restarting' || r.startedAt !== startedAt) return { ok: false, reason: `the replacement exited${code(r)} and was restarted` };
  if (r.state !== 'running') return { ok: false, reason: `the replacement ${r.oomKilled ? 'was killed for lack of memory' : `exited${code(r)}`}` };
  if (check) {
    if (r.health === 'healthy') return { ok: true };
    if (r.health === 'unhealthy') return { ok: false, reason: 'the replacement is unhealthy (its health check failed)' };
    if (over) return { ok: false, reason: `the replacement was not healthy within ${seconds(budgetMs)} (health: ${r.health ?? 'unknown'})` };
    return undefined;
  }
  return over ? { ok: true } : undefined;
}

/**
 * Wait until the replacement `id` (started just now) is confirmed: with a health check, until the engine says it is
 * healthy; without, until it has run `settleMs` without exiting or restarting. Wakes on the engine's events for it (the
 * index forwards every one, even for containers out of its view), with a slow re-read besides. Throws
 * `replacement_failed` saying why (exit code, last log lines, last health probe) when it exits, restarts, is unhealthy
 * or the time is up; the caller removes it.
 */
export async function awaitReplacement(w: ReplacementWatch, id: string, name: string, check: ImageHealthcheck | null, settleMs: number): Promise<void> {
  const budgetMs = replacementBudgetMs(check, settleMs);
  const deadline = Date.now() + budgetMs;
  let wake: (() => void) | undefined;
  const onChange = (c: IndexChange) => {
    if (c.event.id === id) wake?.();
  };
  w.index.on('change', onChange);
  try {
    const first = await w.engine.fetchContainer(id);
    const startedAt = first?.startedAt ?? null;
    let record = first;
    for (;;) {
      const verdict = judgeReplacement(record, startedAt, check, Date.now() >= deadline, budgetMs);
      if (verdict?.ok) return;
      if (verdict) throw await replacementFailed(w, id, name, verdict.reason ?? 'failed', record);
      const pause = Math.max(0, Math.min(RECHECK_MS, deadline - Date.now()));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pause);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
      record = await w.engine.fetchContainer(id);
    }
  } finally {
    w.index.off('change', onChange);
  }
}

/** `replacement_failed` with what tells why: the exit code, the last log lines and the last health probe. */
async function replacementFailed(w: ReplacementWatch, id: string, name: string, reason: string, r: ContainerRecord | undefined): Promise<BerthError> {
  const logs = await w.engine
    .fetchLogs(id, LOG_LINES)
    .then((text) => text.split('\n').filter((l) => l.trim()).slice(-LOG_LINES).map((l) => l.slice(0, 500)))
    .catch(() => [] as string[]);
  const probe = r?.lastHealthCheck ?? null;
  const parts = [`replacing container "${name}" failed: ${reason}; the old container keeps running`];
  if (probe) parts.push(`last health check: exit code ${probe.exitCode}, output: ${quote(probe.output)}`);
  if (logs.length) parts.push(`last output: ${quote(logs.join(' | '))}`);
  return new BerthError('replacement_failed', parts.join('; '), {
    name,
    reason,
    exitCode: r && r.state !== 'running' ? r.exitCode : null,
    health: r?.health ?? null,
    healthCheck: probe ? { exitCode: probe.exitCode, output: probe.output.slice(0, MAX_QUOTE) } : null,
    logs,
  });
}

function code(r: ContainerRecord): string {
  return r.exitCode === null ? '' : ` with code ${r.exitCode}`;
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10}s`;
}

function quote(text: string): string {
  const t = text.trim();
  return JSON.stringify(t.length > MAX_QUOTE ? `${t.slice(0, MAX_QUOTE)}…` : t);
}
