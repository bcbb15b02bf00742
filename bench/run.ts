import { mkdirSync, writeFileSync } from 'node:fs';
import { startTestRouter } from '../test/helpers/test-router.js';
import { buildBench } from './build-bench.js';
import { listBench } from './list-bench.js';
import { listOwnerBench } from './list-owner-bench.js';
import { restartBench } from './restart-bench.js';
import { swarmBench } from './swarm-bench.js';
import { routerBench } from './router-bench-rows.js';
import { updateBench } from './update-bench.js';
import { printTable, type Row } from './stats.js';

type Bench = () => Promise<{ rows: Row[]; json: unknown }>;

async function onRouter<T>(kind: 'crossbar' | 'embedded', fn: (url: string) => Promise<T>): Promise<T> {
  await using router = await startTestRouter(kind);
  return await fn(router.url);
}

/** npm run bench [-- names]: every number measured in this one run, on this machine, against the engine and Crossbar.io. */
const BENCHES: Record<string, Bench> = {
  list: () => onRouter('crossbar', (url) => listBench(url, 'Crossbar.io')),
  'list-embedded': () => listBench(undefined, 'berth\'s embedded router'),
  'list-owner': listOwnerBench,
  restart: () => onRouter('crossbar', restartBench),
  router: routerBench,
  build: () => onRouter('crossbar', buildBench),
  update: () => updateBench('crossbar'),
  'update-embedded': () => updateBench('embedded'),
  'update-single': () => updateBench('crossbar', 'single'),
  swarm: swarmBench,
};

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const rows: Row[] = [];
  const results: Record<string, unknown> = { when: new Date().toISOString(), node: process.version };
  for (const [name, bench] of Object.entries(BENCHES)) {
    if (only.length && !only.includes(name)) continue;
    process.stderr.write(`bench ${name} …\n`);
    const r = await bench();
    rows.push(...r.rows);
    results[name] = r.json;
  }
  printTable(rows);
  mkdirSync('bench/results', { recursive: true });
  const report = JSON.stringify({ ...results, table: rows }, null, 2);
  const file = `bench/results/bench-${String(results.when).replace(/:/g, '-')}.json`;
  writeFileSync(file, report);
  writeFileSync('bench/results/latest.json', report);
  console.log(`\nwritten: ${file}`);
}

void main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
