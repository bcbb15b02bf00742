import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { round, type Row } from './stats.js';

interface Side { p50: number; p99: number; callsPerSecond: number }

/** bench/router-bench.ts runs in its own process tree (callers and callees are separate processes); read its report. */
export async function routerBench(): Promise<{ rows: Row[]; json: unknown }> {
  await promisify(execFile)('npx', ['tsx', 'bench/router-bench.ts'], { timeout: 600_000, maxBuffer: 16 * 1024 * 1024 });
  const report = JSON.parse(readFileSync('bench/results/router.json', 'utf8')) as {
    results: { embedded: Side; crossbar: Side };
    inFlight: number;
    sequentialCalls: number;
    scaling?: Record<string, Side>;
    serializers?: Record<string, Side>;
  };
  const e = report.results.embedded;
  const x = report.results.crossbar;
  const rows: Row[] = [
    { bench: 'router', case: `p50, ${report.sequentialCalls} sequential calls`, value: `${round(e.p50)} ms`, baseline: `Crossbar.io ${round(x.p50)} ms`, ratio: `${round(e.p50 / x.p50, 2)}×`, target: '≤ 1.00×' },
    { bench: 'router', case: 'p99', value: `${round(e.p99)} ms`, baseline: `Crossbar.io ${round(x.p99)} ms`, ratio: `${round(e.p99 / x.p99, 2)}×`, target: '' },
    { bench: 'router', case: `calls/s, ${report.inFlight} in flight`, value: `${Math.round(e.callsPerSecond)}`, baseline: `Crossbar.io ${Math.round(x.callsPerSecond)}`, ratio: `${round(e.callsPerSecond / x.callsPerSecond, 2)}×`, target: '≥ 1.00×' },
  ];
  // The embedded router in its binary serializers, against its own JSON (the same raw peers, another wire format).
  const json = report.serializers?.json;
  for (const [name, side] of Object.entries(report.serializers ?? {})) {
    if (!json || name === 'json') continue;
    rows.push({ bench: 'router', case: `${name}: calls/s, ${report.inFlight} in flight`, value: `${Math.round(side.callsPerSecond)}`, baseline: `JSON ${Math.round(json.callsPerSecond)}`, ratio: `${round(side.callsPerSecond / json.callsPerSecond, 2)}×`, target: '' });
    rows.push({ bench: 'router', case: `${name}: p50`, value: `${round(side.p50)} ms`, baseline: `JSON ${round(json.p50)} ms`, ratio: `${round(side.p50 / json.p50, 2)}×`, target: '' });
  }
  // The cost of a call must not grow with what others registered (with a linear scan, 100k wildcard registrations cost 101 ms a call).
  const one = report.scaling?.['1'];
  for (const [held, side] of Object.entries(report.scaling ?? {})) {
    if (!one || held === '1') continue;
    rows.push({ bench: 'router', case: `call p50 with ${Number(held).toLocaleString('en')} wildcard registrations held`, value: `${round(side.p50)} ms`, baseline: `1 held: ${round(one.p50)} ms`, ratio: `${round(side.p50 / one.p50, 2)}×`, target: '≤ 1.50×' });
  }
  return { rows, json: report };
}
