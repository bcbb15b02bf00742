import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { round, type Row } from './stats.js';

interface Side { p50: number; p99: number; callsPerSecond: number }
type Run = Partial<Record<'floor' | 'embedded' | 'nexus' | 'crossbar', Side>>;

/** The goal, per serializer: the embedded router at or above nexus, and at least 0.7× the floor (no router at all). */
const FLOOR_SHARE = 0.7;

/** bench/router-bench.ts runs in its own process tree (callers and callees are separate processes); read its report. */
export async function routerBench(): Promise<{ rows: Row[]; json: unknown }> {
  await promisify(execFile)('npx', ['tsx', 'bench/router-bench.ts'], { timeout: 900_000, maxBuffer: 16 * 1024 * 1024 });
  const report = JSON.parse(readFileSync('bench/results/router.json', 'utf8')) as {
    runs: Record<string, Run>;
    inFlight: number;
    sequentialCalls: number;
    scaling?: Record<string, Side>;
  };
  const rows: Row[] = [];
  const speed = (a: number, b: number) => `${round(a / b, 2)}×`;
  // Each serializer's four targets were measured back to back: these ratios come from the same minute of the machine.
  for (const [s, run] of Object.entries(report.runs)) {
    const { embedded: e, nexus: n, floor: f, crossbar: x } = run;
    if (!e) continue;
    const tput = `${s}: calls/s, ${report.inFlight} in flight`;
    const p50 = `${s}: p50, ${report.sequentialCalls} sequential calls`;
    if (n) rows.push({ bench: 'router', case: tput, value: `${Math.round(e.callsPerSecond)}`, baseline: `nexus ${Math.round(n.callsPerSecond)}`, ratio: speed(e.callsPerSecond, n.callsPerSecond), target: '≥ 1.00× nexus' });
    if (f) rows.push({ bench: 'router', case: tput, value: `${Math.round(e.callsPerSecond)}`, baseline: `floor ${Math.round(f.callsPerSecond)}`, ratio: speed(e.callsPerSecond, f.callsPerSecond), target: `≥ ${FLOOR_SHARE.toFixed(2)}× floor` });
    if (x) rows.push({ bench: 'router', case: tput, value: `${Math.round(e.callsPerSecond)}`, baseline: `Crossbar.io ${Math.round(x.callsPerSecond)}`, ratio: speed(e.callsPerSecond, x.callsPerSecond), target: '' });
    // Latency as speed too (baseline p50 / embedded p50), so that every ratio reads "higher is better".
    if (n) rows.push({ bench: 'router', case: p50, value: `${round(e.p50)} ms`, baseline: `nexus ${round(n.p50)} ms`, ratio: speed(n.p50, e.p50), target: '≥ 1.00× nexus' });
    if (f) rows.push({ bench: 'router', case: p50, value: `${round(e.p50)} ms`, baseline: `floor ${round(f.p50)} ms`, ratio: speed(f.p50, e.p50), target: `≥ ${FLOOR_SHARE.toFixed(2)}× floor` });
    if (x) rows.push({ bench: 'router', case: p50, value: `${round(e.p50)} ms`, baseline: `Crossbar.io ${round(x.p50)} ms`, ratio: speed(x.p50, e.p50), target: '' });
  }
  // The cost of a call must not grow with what others registered (with a linear scan, 100k wildcard registrations cost 101 ms a call).
  const one = report.scaling?.['1'];
  for (const [held, side] of Object.entries(report.scaling ?? {})) {
    if (!one || held === '1') continue;
    rows.push({ bench: 'router', case: `call p50 with ${Number(held).toLocaleString('en')} wildcard registrations held`, value: `${round(side.p50)} ms`, baseline: `1 held: ${round(one.p50)} ms`, ratio: `${round(side.p50 / one.p50, 2)}×`, target: '≤ 1.50×' });
  }
  return { rows, json: report };
}
