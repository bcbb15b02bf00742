import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BerthProcess } from '../test/helpers/berth-process.js';
import { removeTags, writeConfig } from '../test/helpers/build-helpers.js';
import { DOCS_USERS, startDocsCrossbar, type DocsCrossbar } from '../test/helpers/crossbar-docs.js';
import { cleanDomain, testDomain } from '../test/helpers/docker.js';
import { FIXTURE_REPOS, GitServer } from '../test/helpers/git-server.js';
import { freePort, waitFor } from '../test/helpers/wait-for.js';
import { WampClient } from '../test/helpers/wamp-client.js';
import { round, type Row } from './stats.js';

const RUNS = 3;
/** The example backend (invoke="last"), healthy once registered. */
const RUN_YAML = `${readFileSync(join(FIXTURE_REPOS, 'hello-backend', 'Run.yaml'), 'utf8')}Healthcheck:\n  Command: [test, -e, /tmp/registered]\n  Interval: 1s\n  Timeout: 2s\n  Retries: 3\n  StartPeriod: 30s\n`;

interface Run {
  /** From the updateImage call to the first answer from the new container. */
  serving: number;
  /** The whole updateImage call: rebuild, replacement healthy, old one stopped and removed. */
  call: number;
  /** How long D.N/hello did not answer a client calling it in a loop. */
  unavailable: number;
  calls: number;
}

/**
 * updateImage(updateContainers=true) with one container of the example backend (Autobahn|Python in its container, joining
 * with its ticket): time from the call to the new container serving, and how long the container's procedure was
 * unavailable to a client calling it in a loop. On Crossbar.io (as docs/crossbar.md configures it) or berth's embedded router.
 */
export async function updateBench(kind: 'crossbar' | 'embedded', invoke: 'last' | 'single' = 'last'): Promise<{ rows: Row[]; json: unknown }> {
  // With "single" the replacement cannot register while the old container holds the procedures, so a health check on
  // its readiness marker could never pass: that variant has none (the replacement is confirmed after update.settleSeconds).
  const runYaml = invoke === 'last' ? RUN_YAML : readFileSync(join(FIXTURE_REPOS, 'hello-backend', 'Run.yaml'), 'utf8');
  const D = testDomain('benchupd');
  const dir = mkdtempSync(join(tmpdir(), 'berth-bench-upd-'));
  const git = await GitServer.start();
  let docs: DocsCrossbar | undefined;
  let berth: BerthProcess | undefined;
  let client: WampClient | undefined;
  try {
    git.addFixture('svc', 'hello-backend');
    git.commit('svc', { 'Run.yaml': runYaml, 'version.txt': 'first\n' });
    const config = writeConfig(dir, { build: { allowPrivateHosts: true } });
    if (kind === 'crossbar') {
      docs = await startDocsCrossbar(D);
      berth = await BerthProcess.start([...docs.berthArgs(D), '--config', config, '--log-level', 'info']);
      client = await WampClient.connect(docs.url, { authid: 'alice', ticket: DOCS_USERS.alice });
    } else {
      const port = await freePort();
      berth = await BerthProcess.start(['--listen', `127.0.0.1:${port}`, '--domain', D, '--config', config, '--log-level', 'info']);
      client = await WampClient.connect(`ws://127.0.0.1:${port}/ws`);
    }
    const c = client;
    await c.call(`${D}/build`, ['svc', git.url('svc')]);
    await c.call(`${D}/create`, ['svc', 'api'], { environment: { REGISTER_INVOKE: invoke } });
    const whoami = () => c.call<string>(`${D}.api/whoami`, [], {}, { timeout: 5_000 });
    await waitFor('the backend to answer', () => whoami().catch(() => undefined), 60_000, 200);
    const runs: Run[] = [];
    for (let i = 0; i < RUNS; i++) {
      git.commit('svc', { 'Run.yaml': runYaml, 'version.txt': `${i}\n` });
      const before = await whoami();
      let running = true;
      let serving = 0;
      let unavailable = 0;
      let calls = 0;
      let failedSince: number | undefined;
      const t0 = Date.now();
      const loop = (async () => {
        while (running && Date.now() - t0 < 300_000) {
          calls++;
          const t = Date.now();
          const host = await whoami().catch(() => undefined);
          if (host === undefined) failedSince ??= t;
          else {
            if (failedSince !== undefined) unavailable += Date.now() - failedSince;
            failedSince = undefined;
            if (host !== before && !serving) serving = Date.now() - t0;
          }
          await new Promise((r) => setTimeout(r, 10));
        }
      })();
      await c.call(`${D}/updateImage`, ['svc'], { updateContainers: true });
      const call = Date.now() - t0;
      await new Promise((r) => setTimeout(r, 1_000));
      running = false;
      await loop;
      if (!serving || failedSince !== undefined) throw new Error(`run ${i}: the new container never answered`);
      runs.push({ serving: round(serving / 1000, 2), call: round(call / 1000, 2), unavailable, calls });
    }
    const median = (k: keyof Run) => [...runs].sort((a, b) => a[k] - b[k])[Math.floor(RUNS / 2)]![k];
    const where = `${kind === 'crossbar' ? 'Crossbar.io' : 'embedded router'}${invoke === 'last' ? '' : ', invoke single + retry, no health check'}`;
    const rows: Row[] = [
      { bench: 'update', case: `updateImage, 1 container (${where}): call → new container serving (median of ${RUNS})`, value: `${median('serving')} s`, baseline: '', ratio: '', target: '' },
      { bench: 'update', case: `updateImage, 1 container (${where}): whole call (rebuild + healthy + swap)`, value: `${median('call')} s`, baseline: '', ratio: '', target: '' },
      { bench: 'update', case: `updateImage, 1 container (${where}): procedure unavailable (worst of ${RUNS})`, value: `${Math.max(...runs.map((r) => r.unavailable))} ms`, baseline: '', ratio: '', target: '< 1000 ms' },
    ];
    return { rows, json: { router: kind, invoke, runs } };
  } finally {
    await client?.close().catch(() => undefined);
    await berth?.stop();
    await cleanDomain(D);
    await removeTags(D);
    await git[Symbol.asyncDispose]();
    await docs?.[Symbol.asyncDispose]();
    rmSync(dir, { recursive: true, force: true });
  }
}
