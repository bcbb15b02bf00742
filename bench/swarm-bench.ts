import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BerthProcess } from '../test/helpers/berth-process.js';
import { rssOf, writeConfig } from '../test/helpers/build-helpers.js';
import { BUSYBOX_IMAGE, docker, testDomain } from '../test/helpers/docker.js';
import { GitServer } from '../test/helpers/git-server.js';
import { SwarmCluster } from '../test/helpers/swarm-cluster.js';
import { freePort, waitFor } from '../test/helpers/wait-for.js';
import { WampClient } from '../test/helpers/wamp-client.js';
import { engineGet } from './engine-http.js';
import { round, summarize, timeEach, type Row } from './stats.js';

/** Measured create-to-serving runs per side (a warm-up pair before them is not counted). */
const RUNS = 5;
const SERVICES = 200;
/** berth's creates (and removes) of the 200 in flight at once. */
const CONCURRENCY = 8;
const CALLS = 500;
/** Bound of one create-to-serving wait, and of each of the bench's bulk steps. */
const SERVE_TIMEOUT_MS = 90_000;
const BULK_TIMEOUT_MS = 300_000;
/** How long one create or remove of the 200 is tried again while berth answers engine_unavailable. */
const UNAVAILABLE_RETRY_MS = 60_000;
/**
 * A busybox that sleeps and leaves at once on SIGTERM (a bare `sleep` as PID 1 ignores it, and every remove would wait
 * for the stop grace period).
 */
const SLEEPER_RUN = `Base: busybox\nCommand: 'trap "exit 0" TERM; sleep 86400 & wait'\n`;

type Cluster = SwarmCluster;
interface Ctx {
  cluster: Cluster;
  client: WampClient;
  D: string;
}
interface Pair {
  /** From the D/create call to the first answer of D.<name>/hello, ms. */
  berth: number;
  /** The create call alone (berth answers once the task runs). */
  createCall: number;
  /** From `docker network create` (its own overlay, as berth makes) + `docker service create -d` to the first answer. */
  byHand: number;
}

/**
 * The swarm engine on a real three-node swarm (test/helpers/swarm-cluster.ts, manager drained: tasks run on the two workers),
 * berth with `--engine swarm` and its embedded router on the cluster's bridge:
 * - create-to-serving of the example backend (Autobahn|Python joining with its ticket, registering D.<name>/hello) vs
 *   the same service made by hand with the docker CLI against the manager, in the same run, interleaved;
 * - list() with 200 services vs the manager's own `GET /services` with berth's label filter; berth's RSS then.
 */
export async function swarmBench(): Promise<{ rows: Row[]; json: unknown }> {
  const D = testDomain('benchsw');
  const dir = mkdtempSync(join(tmpdir(), 'berth-bench-swarm-'));
  let cluster: SwarmCluster | undefined;
  let git: GitServer | undefined;
  let berth: BerthProcess | undefined;
  let client: WampClient | undefined;
  try {
    const t0 = Date.now();
    cluster = await SwarmCluster.start({ nodes: 3 });
    const manager = (...a: string[]) => cluster!.docker(0, ...a);
    await manager('node', 'update', '--availability', 'drain', cluster.manager.name);
    // The README's rule, which berth checks at start: the swarm's own ports closed to tasks.
    await cluster.closeSwarmPortsToTasks();
    const probe = await cluster.seedImage(BUSYBOX_IMAGE, 'berth-test/busybox');
    await cluster.seedImage('berth/exis-python:1', 'berth-test/exis-python');
    git = await GitServer.start();
    git.addFixture('hello-backend');
    git.addRepo('sleeper', { 'Run.yaml': SLEEPER_RUN });
    const port = await freePort();
    const url = `ws://${cluster.bridgeAddress}:${port}/ws`;
    const config = writeConfig(dir, {
      build: { allowPrivateHosts: true },
      bases: { busybox: BUSYBOX_IMAGE },
      // The 200 are one owner's (anonymous): above the default per-owner quota of 50. With margin: a create in flight
      // can count twice for a moment (already in the index, its quota hold not yet released).
      quotas: { containers: SERVICES + 2 * CONCURRENCY },
      swarm: { probeImage: probe, nodes: cluster.nodeEngines },
    });
    berth = await BerthProcess.start(['--engine', 'swarm', '--docker-host', cluster.manager.socket, '--registry', cluster.registry,
      '--listen', `${cluster.bridgeAddress}:${port}`, '--container-router-url', url, '--domain', D, '--config', config, '--log-level', 'info'], { timeoutMs: 120_000 });
    client = await WampClient.connect(url);
    const ctx: Ctx = { cluster, client, D };
    const setupS = (Date.now() - t0) / 1000;

    const pairs = await createToServing(ctx, git);
    const many = await listWithServices(ctx, git, berth);
    const med = (k: keyof Pair) => median(pairs.map((p) => p[k]));
    const s = (ms: number) => `${round(ms / 1000, 2)} s`;
    const byHand = 'by hand: own overlay network + docker service create -d, same digest, env (ticket of a stopped berth container) and sandbox';
    const rows: Row[] = [
      { bench: 'swarm', case: `create → D.N/hello answers, example backend (median of ${RUNS})`, value: s(med('berth')), baseline: `${s(med('byHand'))} (${byHand})`, ratio: `${round(med('berth') / med('byHand'), 2)}×`, target: '≤ 1.2×' },
      { bench: 'swarm', case: 'create call alone (answers once the task runs)', value: s(med('createCall')), baseline: '', ratio: '', target: '' },
      { bench: 'swarm', case: `list() p50, ${SERVICES} services, ${CALLS} calls`, value: `${many.berthMs.p50} ms`, baseline: `manager GET /services ${many.engineMs.p50} ms`, ratio: `${round(many.berthMs.p50 / many.engineMs.p50, 2)}×`, target: '≤ 1.00×' },
      { bench: 'swarm', case: 'list() p99', value: `${many.berthMs.p99} ms`, baseline: `manager ${many.engineMs.p99} ms`, ratio: `${round(many.berthMs.p99 / many.engineMs.p99, 2)}×`, target: '' },
      { bench: 'swarm', case: 'list() p50 vs a callee returning the same payload', value: `${many.berthMs.p50} ms`, baseline: `same payload ${many.samePayloadMs.p50} ms`, ratio: `${round(many.berthMs.p50 / many.samePayloadMs.p50, 2)}×`, target: '' },
      { bench: 'swarm', case: `${SERVICES} creates, ${CONCURRENCY} at a time (engine_unavailable answers retried: ${many.unavailableAnswers.create})`, value: s(many.createAllMs), baseline: '', ratio: '', target: '' },
      { bench: 'swarm', case: `berth's RSS with ${SERVICES} services`, value: `${round(many.rss / 1024 ** 2, 1)} MiB`, baseline: '', ratio: '', target: '' },
      { bench: 'swarm', case: `${SERVICES} removes, ${CONCURRENCY} at a time (engine_unavailable answers retried: ${many.unavailableAnswers.remove}; index resyncs: ${many.indexLost.length})`, value: s(many.removeAllMs), baseline: '', ratio: '', target: '' },
    ];
    return { rows, json: { setupSeconds: round(setupS, 1), createToServingMs: pairs, ...many } };
  } catch (err) {
    // What berth said about it (warnings and errors) goes with the failure.
    for (const l of (berth?.lines ?? []).filter((l) => l.level >= 40).slice(-20)) process.stderr.write(`  berth: ${JSON.stringify(l)}\n`);
    throw err;
  } finally {
    await client?.close().catch(() => undefined);
    await berth?.stop();
    await git?.[Symbol.asyncDispose]();
    const id = cluster?.id;
    await cluster?.[Symbol.asyncDispose]();
    rmSync(dir, { recursive: true, force: true });
    if (id && existsSync(`/tmp/bsw-${id}`)) console.error(`swarm bench: /tmp/bsw-${id} is still there after teardown`);
  }
}

/**
 * RUNS pairs, interleaved so that drift on this shared machine hits both sides alike: berth's create of `b<i>` until its
 * procedure answers; then `b<i>` is stopped and the same service is made by hand under the same identity. A hand-made
 * service cannot have a ticket of its own (the router checks tickets against berth's containers), so it gets the
 * environment of the stopped `b<i>` (WS_URL, DOMAIN, WAMP_REALM, WAMP_AUTHID, WAMP_TICKET, from `docker service
 * inspect`), and the rest of berth's spec: the digest reference (pulled on both workers first: neither side pulls), an
 * overlay network of its own, read-only root, tmpfs, user, limits, caps, dnsrr. Both end when D.b<i>/hello answers.
 */
async function createToServing(ctx: Ctx, git: GitServer): Promise<Pair[]> {
  const { cluster, client, D } = ctx;
  await client.call(`${D}/build`, ['hello', git.url('hello-backend')], {}, { timeout: BULK_TIMEOUT_MS });
  const [image] = (await client.call<{ name: string; registry: string | null }[]>(`${D}/images`)).filter((i) => i.name === 'hello');
  if (!image?.registry) throw new Error('swarm bench: the hello image has no registry reference after its build');
  for (const n of cluster.nodes.slice(1)) await cluster.docker(n.index, 'pull', '-q', image.registry);
  const pairs: Pair[] = [];
  for (let i = 0; i <= RUNS; i++) {
    const name = `b${i}`;
    const t0 = performance.now();
    await client.call(`${D}/create`, ['hello', name], {}, { timeout: SERVE_TIMEOUT_MS });
    const createCall = performance.now() - t0;
    await untilHello(ctx, name);
    const berth = performance.now() - t0;
    const byHand = await byHandRun(ctx, name);
    await client.call(`${D}/remove`, [name], {}, { timeout: SERVE_TIMEOUT_MS });
    // The first pair warms the workers (page cache, python's first start): not counted.
    if (i > 0) pairs.push({ berth: round(berth, 1), createCall: round(createCall, 1), byHand: round(byHand, 1) });
    process.stderr.write(`  swarm pair ${i}${i ? '' : ' (warm-up)'}: berth ${round(berth)} ms, by hand ${round(byHand)} ms\n`);
  }
  // Removed means gone from berth's view too: the 200 below start from an empty domain.
  await waitFor(`${D}/list to be empty after the pairs`, async () => (await client.call<unknown[]>(`${D}/list`)).length === 0, 30_000, 200);
  return pairs;
}

/** Stop berth's `name`, make its twin by hand, time it to serving, remove the twin. */
async function byHandRun(ctx: Ctx, name: string): Promise<number> {
  const { cluster, client, D } = ctx;
  await client.call(`${D}/${name}/stop`, [], {}, { timeout: SERVE_TIMEOUT_MS });
  await waitFor(`${D}.${name}/hello to go after its stop`, async () => !(await client.isRegistered(`${D}.${name}/hello`)), 30_000, 100);
  const id = await cluster.docker(0, 'service', 'ls', '-q', '--filter', `label=berth.domain=${D}`, '--filter', `label=berth.name=${name}`);
  const [svc] = JSON.parse(await cluster.docker(0, 'service', 'inspect', id)) as [{ Spec: ServiceSpec }];
  const hand = `hand-${D}-${name}`;
  const args = handFlags(svc.Spec);
  const t0 = performance.now();
  try {
    await cluster.docker(0, 'network', 'create', '--driver', 'overlay', hand);
    await cluster.docker(0, 'service', 'create', '--detach', '--name', hand, '--network', hand, ...args);
    await untilHello(ctx, name);
    return performance.now() - t0;
  } finally {
    await cluster.docker(0, 'service', 'rm', hand).catch(() => undefined);
    // The network goes once Swarm has taken the task's endpoint off it.
    await waitFor(`network ${hand} to be removed`, () => cluster.docker(0, 'network', 'rm', hand).then(() => true, (e: Error) => /not found/i.test(e.message)), 30_000, 250);
  }
}

interface ServiceSpec {
  TaskTemplate: {
    ContainerSpec: { Image: string; Env?: string[]; User?: string; ReadOnly?: boolean; CapabilityDrop?: string[]; CapabilityAdd?: string[]; StopGracePeriod?: number;
      Mounts?: { Type: string; Target: string; TmpfsOptions?: { SizeBytes?: number; Mode?: number } }[]; Ulimits?: { Name: string; Soft: number; Hard: number }[] };
    Resources?: { Limits?: { MemoryBytes?: number; NanoCPUs?: number; Pids?: number } };
    RestartPolicy?: { Condition?: string };
  };
}

/** `docker service create` flags for what berth's service spec sets (its environment with the container's ticket included). */
function handFlags(spec: ServiceSpec): string[] {
  const c = spec.TaskTemplate.ContainerSpec;
  const limits = spec.TaskTemplate.Resources?.Limits ?? {};
  const out: string[] = ['--endpoint-mode', 'dnsrr', '--restart-condition', spec.TaskTemplate.RestartPolicy?.Condition ?? 'any'];
  for (const e of c.Env ?? []) out.push('--env', e);
  if (c.User) out.push('--user', c.User);
  if (c.ReadOnly) out.push('--read-only');
  for (const cap of c.CapabilityDrop ?? []) out.push('--cap-drop', cap);
  for (const cap of c.CapabilityAdd ?? []) out.push('--cap-add', cap);
  for (const m of c.Mounts ?? []) {
    if (m.Type === 'tmpfs') out.push('--mount', `type=tmpfs,target=${m.Target},tmpfs-size=${m.TmpfsOptions?.SizeBytes ?? 0},tmpfs-mode=${(m.TmpfsOptions?.Mode ?? 0o1777).toString(8)}`);
  }
  for (const u of c.Ulimits ?? []) out.push('--ulimit', `${u.Name}=${u.Soft}:${u.Hard}`);
  if (limits.MemoryBytes) out.push('--limit-memory', String(limits.MemoryBytes));
  if (limits.NanoCPUs) out.push('--limit-cpu', String(limits.NanoCPUs / 1e9));
  if (limits.Pids) out.push('--limit-pids', String(limits.Pids));
  if (c.StopGracePeriod) out.push('--stop-grace-period', `${c.StopGracePeriod / 1e9}s`);
  out.push(c.Image);
  return out;
}

/** Until D.<name>/hello answers (a call every 20 ms; one that is not registered yet fails at once). */
async function untilHello({ client, D }: Ctx, name: string): Promise<void> {
  await waitFor(`${D}.${name}/hello to answer`, () => client.call<string>(`${D}.${name}/hello`, ['bench'], {}, { timeout: 5_000 }).catch(() => undefined), SERVE_TIMEOUT_MS, 20);
}

/** SERVICES sleeping busybox containers; list() vs the manager's own service list; berth's RSS; then all removed. */
async function listWithServices(ctx: Ctx, git: GitServer, berth: BerthProcess) {
  const { cluster, client, D } = ctx;
  await client.call(`${D}/build`, ['sleeper', git.url('sleeper')], {}, { timeout: BULK_TIMEOUT_MS });
  const names = Array.from({ length: SERVICES }, (_, i) => `s${i}`);
  let t0 = performance.now();
  const created = await pool(names, (n) => client.call(`${D}/create`, ['sleeper', n], {}, { timeout: BULK_TIMEOUT_MS }), 'create');
  const createAllMs = round(performance.now() - t0, 0);
  process.stderr.write(`  swarm: ${SERVICES} created in ${createAllMs} ms\n`);
  const path = `/services?filters=${encodeURIComponent(JSON.stringify({ label: [`berth.domain=${D}`] }))}`;
  const socket = cluster.manager.socket.replace(/^unix:\/\//, '');
  const listed = await client.call<{ state: string }[]>(`${D}/list`);
  const engineListed = (await engineGet(path, socket)) as unknown[];
  if (listed.length !== SERVICES || engineListed.length !== SERVICES) throw new Error(`swarm bench: list() has ${listed.length}, the manager ${engineListed.length} services, not ${SERVICES}`);
  const running = listed.filter((c) => c.state === 'running').length;
  const rss = rssOf(berth.child.pid!);
  await client.session.register(`bench.${D}/same-payload`, () => listed);
  await timeEach(50, () => client.call(`${D}/list`));
  await timeEach(50, () => engineGet(path, socket));
  const berthMs = summarize(await timeEach(CALLS, () => client.call(`${D}/list`)));
  const engineMs = summarize(await timeEach(CALLS, () => engineGet(path, socket)));
  const samePayloadMs = summarize(await timeEach(CALLS, () => client.call(`bench.${D}/same-payload`)));
  t0 = performance.now();
  const removed = await pool(names, (n) => client.call(`${D}/remove`, [n], {}, { timeout: BULK_TIMEOUT_MS }), 'remove');
  const removeAllMs = round(performance.now() - t0, 0);
  process.stderr.write(`  swarm: ${SERVICES} removed in ${removeAllMs} ms\n`);
  // Each is berth's index giving up on its view and resyncing (swarm-event-client.ts: a failed look ends the watch).
  const indexLost = berth.lines.filter((l) => l.msg === 'lost the Docker engine event stream; reconnecting').map((l) => String(l.err));
  const left = await cluster.docker(0, 'service', 'ls', '-q', '--filter', `label=berth.domain=${D}`);
  if (left) throw new Error(`swarm bench: services left after the removes: ${left.split('\n').length}`);
  const onHost = await docker('ps', '-a', '-q', '--filter', `label=berth.domain=${D}`);
  if (onHost) throw new Error('swarm bench: containers of the bench domain on the host engine');
  return { services: SERVICES, running, createAllMs, removeAllMs, unavailableAnswers: { create: created.unavailable, remove: removed.unavailable }, indexLost, rss, berthMs, engineMs, samePayloadMs };
}

/**
 * Run `fn` over `items`, CONCURRENCY at a time; the first failure stops the pool (after the calls in flight). A call
 * answered with berth.error.engine_unavailable (berth's index resyncing) is tried again after a pause, within
 * UNAVAILABLE_RETRY_MS, and counted: that is a finding to report, not a reason to lose the run's numbers.
 */
async function pool(items: string[], fn: (item: string) => Promise<unknown>, what: string): Promise<{ unavailable: number }> {
  let next = 0;
  let unavailable = 0;
  let failed: Error | undefined;
  const once = async (item: string) => {
    const deadline = Date.now() + UNAVAILABLE_RETRY_MS;
    for (;;) {
      try {
        return await fn(item);
      } catch (err) {
        if ((err as { error?: string }).error !== 'berth.error.engine_unavailable' || Date.now() > deadline) throw err;
        unavailable++;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  };
  const worker = async () => {
    while (!failed && next < items.length) {
      const item = items[next++]!;
      await once(item).catch((err: unknown) => (failed ??= new Error(`swarm bench: ${what} ${item}: ${err instanceof Error ? err.message : JSON.stringify(err)}`)));
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  if (failed) throw failed;
  return { unavailable };
}

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}
