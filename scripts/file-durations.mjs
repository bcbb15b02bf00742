// npm run test:durations -- DIR: writes test/file-durations.json (the order test/helpers/longest-first.ts runs files
// in) from the JSON reports a full run kept with BERTH_TEST_REPORTS=DIR: per file, its longest time in any lane.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
if (!dir) throw new Error('usage: npm run test:durations -- DIR (the BERTH_TEST_REPORTS directory of a full run)');
const seconds = {};
for (const f of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
  for (const t of JSON.parse(readFileSync(join(dir, f), 'utf8')).testResults) {
    // Relative to the clone the run was in, which may not be this one.
    const file = /\/(test\/(?:unit|integration|conformance)\/.*)$/.exec(t.name)?.[1];
    if (!file) continue;
    seconds[file] = Math.max(seconds[file] ?? 0, Math.round((t.endTime - t.startTime) / 1000));
  }
}
const sorted = Object.fromEntries(Object.entries(seconds).sort(([a], [b]) => (a < b ? -1 : 1)));
writeFileSync('test/file-durations.json', `${JSON.stringify(sorted, null, 2)}\n`);
console.log(`test/file-durations.json: ${Object.keys(sorted).length} files`);
