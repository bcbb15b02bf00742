import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BerthProcess } from '../test/helpers/berth-process.js';
import { writeConfig } from '../test/helpers/build-helpers.js';
import { cleanDomain, makeImage, testDomain } from '../test/helpers/docker.js';
import { freePort } from '../test/helpers/wait-for.js';
import { WampClient } from '../test/helpers/wamp-client.js';
import { round, summarize, timeEach, type Row } from './stats.js';

const CONTAINERS = 50;
const CALLS = 1_000;
const ROUNDS = 2;


/**
 * Ownership (callers: owner): what it costs list(). The same 50 containers (all the caller's, so both modes answer the same payload)
 * listed through berth's embedded router with `callers: owner` and with `callers: open`, alternating berths on the same
 * domain (owner, open, owner, open) so that drift on the machine hits both alike.
 */
export async function listOwnerBench(): Promise<{ rows: Row[]; json: unknown }> {
  const D = testDomain('benchowner');
  const dir = mkdtempSync(join(tmpdir(), 'berth-bench-owner-'));
  const samples: Record<'owner' | 'open', number[]> = { owner: [], open: [] };
  try {
    await makeImage(D, 'bb');
    const port = await freePort();
    const url = `ws://127.0.0.1:${port}/ws`;
    for (let round = 0; round < ROUNDS; round++) {
      for (const mode of ['owner', 'open'] as const) {
        await using berth = await BerthProcess.start(['--listen', `127.0.0.1:${port}`, '--domain', D, '--log-level', 'info', '--config', writeConfig(dir, { callers: mode })]);
        await using c = await WampClient.connect(url);
        if (round === 0 && mode === 'owner') {
          for (let i = 0; i < CONTAINERS; i += 10) await Promise.all(Array.from({ length: 10 }, (_, j) => c.call(`${D}/create`, ['bb', `c${i + j}`])));
        }
        const listed = await c.call<unknown[]>(`${D}/list`);
        if (listed.length !== CONTAINERS) throw new Error(`${mode}: list() has ${listed.length} containers, not ${CONTAINERS}`);
        await timeEach(200, () => c.call(`${D}/list`)); // warm-up
        samples[mode].push(...(await timeEach(CALLS, () => c.call(`${D}/list`))));
        void berth;
      }
    }
    const owner = summarize(samples.owner);
    const open = summarize(samples.open);
    const rows: Row[] = [
      { bench: 'list() owner vs open mode', case: `p50, ${CONTAINERS} containers, ${ROUNDS * CALLS} calls each`, value: `owner ${owner.p50} ms`, baseline: `open ${open.p50} ms`, ratio: `${round(owner.p50 / open.p50, 2)}×`, target: '≤ 1.10×' },
      { bench: 'list() owner vs open mode', case: 'p99', value: `owner ${owner.p99} ms`, baseline: `open ${open.p99} ms`, ratio: `${round(owner.p99 / open.p99, 2)}×`, target: '' },
    ];
    return { rows, json: { containers: CONTAINERS, calls: ROUNDS * CALLS, ownerMs: owner, openMs: open } };
  } finally {
    await cleanDomain(D);
    rmSync(dir, { recursive: true, force: true });
  }
}
