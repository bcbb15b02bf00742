import { readFileSync } from 'node:fs';
import { BerthProcess } from '../test/helpers/berth-process.js';
import { cleanDomain, docker, makeImage, testDomain } from '../test/helpers/docker.js';
import { WampClient } from '../test/helpers/wamp-client.js';
import { round, type Row } from './stats.js';

const CONTAINERS = 500;

function rssMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(/^\s*(\d+)/.exec(status.split(`${key}:`)[1] ?? '')?.[1] ?? NaN);
  return { rss: round(kb('VmRSS') / 1024, 1), peak: round(kb('VmHWM') / 1024, 1) };
}

/** berth started over an engine that already holds 500 of its containers: time to serving every container, and memory. */
export async function restartBench(routerUrl: string): Promise<{ rows: Row[]; json: unknown }> {
  const D = testDomain('benchrestart');
  const imageId = await makeImage(D, 'bb');
  try {
    // Made out-of-band (created, not started): berth must find them all through the engine's labels alone.
    for (let i = 0; i < CONTAINERS; i += 25) {
      await Promise.all(Array.from({ length: 25 }, (_, j) =>
        docker('create', '--name', `${D}.c${i + j}`, '--label', `berth.domain=${D}`, '--label', `berth.name=c${i + j}`, '--label', 'berth.image=bb', imageId),
      ));
    }
    // The appliance's 12, D._authenticate and D._authorize, and the prefix D/ that serves every container's D/<name>/op.
    const procedures = 14 + 1;
    const runs: { seconds: number; rss: number; peak: number }[] = [];
    for (let run = 0; run < 3; run++) {
      const t0 = process.hrtime.bigint();
      const berth = await BerthProcess.start(['--router', routerUrl, '--domain', D, '--log-level', 'info'], { procedures, timeoutMs: 120_000 });
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      // berth says it has joined only once every procedure is registered: the line's count is what the router holds.
      const joined = berth.lines.find((l) => l.msg === 'joined the router')?.procedures;
      if (joined !== procedures) throw new Error(`berth joined with ${String(joined)} procedures, not ${procedures}`);
      const client = await WampClient.connect(routerUrl);
      const last = await client.call<{ name: string }>(`${D}/c${CONTAINERS - 1}/inspect`).then((c) => c.name, (err: { error?: string }) => err.error);
      const count = (await client.call<unknown[]>(`${D}/list`)).length;
      await client.close();
      if (last !== `c${CONTAINERS - 1}` || count !== CONTAINERS) throw new Error(`not everything served (last=${last}, list=${count})`);
      runs.push({ seconds: round(seconds, 2), ...rssMb(berth.child.pid!) });
      await berth.stop();
    }
    const median = [...runs].sort((a, b) => a.seconds - b.seconds)[1]!;
    const rows: Row[] = [
      { bench: 'restart', case: `${CONTAINERS} containers served (${procedures} registrations, median of 3)`, value: `${median.seconds} s`, baseline: '', ratio: '', target: '≤ 1.0 s' },
      { bench: 'restart', case: 'RSS after join (peak)', value: `${median.rss} MB (${median.peak} MB)`, baseline: '', ratio: '', target: '≤ 150 MB' },
    ];
    return { rows, json: { containers: CONTAINERS, procedures, runs } };
  } finally {
    await cleanDomain(D);
  }
}
