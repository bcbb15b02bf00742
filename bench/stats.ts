/** Percentiles and the table the bench prints. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function summarize(samplesMs: number[]): { n: number; p50: number; p99: number; mean: number } {
  const s = [...samplesMs].sort((a, b) => a - b);
  return { n: s.length, p50: round(percentile(s, 50)), p99: round(percentile(s, 99)), mean: round(s.reduce((a, b) => a + b, 0) / s.length) };
}

export function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export interface Row {
  bench: string;
  case: string;
  value: string;
  baseline: string;
  ratio: string;
  target: string;
}

export function printTable(rows: Row[]): void {
  const cols: (keyof Row)[] = ['bench', 'case', 'value', 'baseline', 'ratio', 'target'];
  const width = (c: keyof Row) => Math.max(c.length, ...rows.map((r) => r[c].length));
  const line = (r: Record<keyof Row, string>) => cols.map((c) => r[c].padEnd(width(c))).join(' | ');
  console.log(line({ bench: 'bench', case: 'case', value: 'berth', baseline: 'baseline', ratio: 'ratio', target: 'target' }));
  console.log(cols.map((c) => '-'.repeat(width(c))).join('-|-'));
  for (const r of rows) console.log(line(r));
}

/** Milliseconds each of `n` sequential runs of `fn` took. */
export async function timeEach(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    out.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return out;
}
