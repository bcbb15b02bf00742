import { mkdirSync, writeFileSync } from 'node:fs';
import { Crossbar } from '../test/helpers/crossbar.js';
import { listBench } from './list-bench.js';
import { restartBench } from './restart-bench.js';
import { printTable, type Row } from './stats.js';

/** npm run bench: every number measured in this one run, on this machine, against the engine and Crossbar.io. */
async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const benches: Record<string, (routerUrl: string) => Promise<{ rows: Row[]; json: unknown }>> = { list: listBench, restart: restartBench };
  await using crossbar = await Crossbar.start();
  const rows: Row[] = [];
  const results: Record<string, unknown> = { when: new Date().toISOString(), node: process.version };
  for (const [name, bench] of Object.entries(benches)) {
    if (only.length && !only.includes(name)) continue;
    process.stderr.write(`bench ${name} …\n`);
    const r = await bench(crossbar.url);
    rows.push(...r.rows);
    results[name] = r.json;
  }
  printTable(rows);
  mkdirSync('bench/results', { recursive: true });
  const file = `bench/results/bench-${results.when as string}.json`.replace(/:/g, '-');
  writeFileSync(file, JSON.stringify({ ...results, table: rows }, null, 2));
  writeFileSync('bench/results/latest.json', JSON.stringify({ ...results, table: rows }, null, 2));
  console.log(`\nwritten: ${file}`);
}

void main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
