import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BerthProcess } from '../test/helpers/berth-process.js';
import { removeTags, writeConfig } from '../test/helpers/build-helpers.js';
import { BUSYBOX_IMAGE, cleanDomain, testDomain } from '../test/helpers/docker.js';
import { GitServer } from '../test/helpers/git-server.js';
import { WampClient } from '../test/helpers/wamp-client.js';
import { round, summarize, type Row } from './stats.js';

const run = promisify(execFile);
const COLD = 3;
const WARM = 5;
const SETUP = ['dd if=/dev/urandom of=/app/blob bs=1M count=16 2>/dev/null', 'sha256sum /app/blob > /app/blob.sum', 'ls -la /app'];

/**
 * The same project for both: berth reads Run.yaml, the hand build uses the Dockerfile berth generates from it (with the
 * `berth.build` label after FROM) without berth's closing LABEL instruction of the image's labels.
 */
function repoFiles(stamp: string): Record<string, string> {
  const runYaml = `Base: busybox\nSetup:\n${SETUP.map((s) => `  - ${JSON.stringify(s)}`).join('\n')}\nCommand: [/bin/sh, -c, "cat /app/stamp.txt"]\n`;
  const dockerfile = [
    `FROM ${BUSYBOX_IMAGE}`, 'LABEL berth.build="bench"', 'WORKDIR /app', 'COPY . /app', ...SETUP.map((s) => `RUN ${JSON.stringify(['/bin/sh', '-c', s])}`), 'CMD ["/bin/sh","-c","cat /app/stamp.txt"]', '',
  ].join('\n');
  return { 'Run.yaml': runYaml, 'Dockerfile': dockerfile, '.dockerignore': '.git\nDockerfile\n.dockerignore\n', 'stamp.txt': `${stamp}\n`, 'src/app.txt': 'x'.repeat(200_000) };
}

async function ms(fn: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** `git clone --depth 1` + `docker build` (legacy builder, as berth's engine uses) by hand. */
async function byHand(url: string, tag: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-bench-clone-'));
  try {
    await run('git', ['clone', '-q', '--depth', '1', '--single-branch', '--no-tags', '--', url, dir]);
    // The limits berth gives Setup steps by default (build.memory 1g, build.cpus 1), so both do the same work.
    const limits = ['--memory', '1g', '--memory-swap', '1g', '--cpu-period', '100000', '--cpu-quota', '100000'];
    await run('docker', ['build', '-q', ...limits, '-t', tag, dir], { env: { ...process.env, DOCKER_BUILDKIT: '0' } });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * D/build through Crossbar.io vs the same clone + build by hand, on one repository served over HTTP on loopback.
 * Cold: every build sees a commit nobody built before (the COPY and every Setup step miss the cache); the hand build has
 * no labels: what berth's labels cost (its one LABEL step) is part of berth's time. Warm: the same commit again, which
 * for berth is an identical rebuild (the same image, no new release), against `docker build` of the same context (a
 * fully cached build).
 */
export async function buildBench(routerUrl: string): Promise<{ rows: Row[]; json: unknown }> {
  const D = testDomain('benchbuild');
  const handTag = `berth-bench-${D}:hand`;
  const dir = mkdtempSync(join(tmpdir(), 'berth-bench-'));
  await using git = await GitServer.start();
  let berth: BerthProcess | undefined;
  let client: WampClient | undefined;
  try {
    const config = writeConfig(dir, { bases: { busybox: BUSYBOX_IMAGE }, build: { allowPrivateHosts: true } });
    berth = await BerthProcess.start(['--router', routerUrl, '--domain', D, '--config', config, '--log-level', 'info'], { procedures: 8 });
    const c = (client = await WampClient.connect(routerUrl));
    const viaBerth = (url: string) => c.call(`${D}/build`, ['app', url], {}, { timeout: 300_000 } as object);
    const cold = { berth: [] as number[], hand: [] as number[] };
    for (let i = 0; i < COLD; i++) {
      git.addRepo(`cold-hand-${i}`, repoFiles(`hand ${i} ${Date.now()}`));
      git.addRepo(`cold-berth-${i}`, repoFiles(`berth ${i} ${Date.now()}`));
      cold.berth.push(await ms(() => viaBerth(git.url(`cold-berth-${i}`))));
      cold.hand.push(await ms(() => byHand(git.url(`cold-hand-${i}`), handTag)));
      // Removed outside the timing, so that the next cold build does not leave it dangling.
      await run('docker', ['rmi', handTag]);
    }
    git.addRepo('warm', repoFiles('warm'));
    await viaBerth(git.url('warm'));
    await byHand(git.url('warm'), handTag);
    const warm = { berth: [] as number[], hand: [] as number[] };
    const ids = new Set<string>();
    for (let i = 0; i < WARM; i++) {
      warm.hand.push(await ms(() => byHand(git.url('warm'), handTag)));
      warm.berth.push(await ms(() => viaBerth(git.url('warm'))));
      ids.add((await run('docker', ['image', 'inspect', '-f', '{{.Id}}', `berth/${D}:app`])).stdout.trim());
    }
    // Every warm rebuild gave the very same image (an identical rebuild, no new release).
    if (ids.size !== 1) throw new Error(`warm rebuilds gave ${ids.size} different images`);
    const row = (name: string, s: { berth: number[]; hand: number[] }, n: number, target: string): Row => {
      const b = summarize(s.berth);
      const h = summarize(s.hand);
      return { bench: 'build()', case: `${name}, median of ${n}`, value: `${round(b.p50, 0)} ms`, baseline: `clone+build ${round(h.p50, 0)} ms`, ratio: `${round(b.p50 / h.p50, 2)}×`, target };
    };
    return {
      rows: [row('cold cache (new commit) vs docker build without berth\'s labels', cold, COLD, '≤ 1.05×'), row('warm rebuild (same commit) vs docker build (cached)', warm, WARM, '≤ 1.10×')],
      json: { setup: SETUP, coldMs: { berth: cold.berth, hand: cold.hand }, warmMs: { berth: warm.berth, hand: warm.hand } },
    };
  } finally {
    await client?.close();
    await berth?.stop();
    await cleanDomain(D);
    await removeTags(D);
    await run('docker', ['rmi', '-f', handTag]).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}
