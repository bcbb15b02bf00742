/**
 * The embedded router against the floor (no router), nexus and Crossbar.io, per serializer: p50/p99 of 10,000
 * sequential calls and calls/s with 64 calls in flight. Caller and callee are separate processes
 * (bench/router-bench-peer.ts) speaking WAMP over WebSocket by hand, so the client cost is small and the same
 * everywhere. For each serializer the four targets are measured back to back, so their ratios come from the same minute
 * of a shared machine. Then the embedded router alone with 1, 1,000 and 100,000 wildcard registrations held by another
 * session: call p50 must stay flat (with a linear scan, 100k registrations cost ~100 ms per call). Loopback only; every
 * wait is bounded.
 *
 *   npx tsx bench/router-bench.ts [--serializers json,msgpack,cbor] [--targets floor,embedded,nexus,crossbar] [--no-scaling]
 *     → prints the tables, writes bench/results/router.json
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { CHILD_DEADLINE_MS, CONCURRENT_TOTAL, IN_FLIGHT, REALM, SEQUENTIAL, SERIALIZATIONS, type CallerReport, type Serialization } from './router-bench-peer.js';

const TARGETS = ['floor', 'embedded', 'nexus', 'crossbar'] as const;
type Target = (typeof TARGETS)[number];
const HELD = [1, 1_000, 100_000];
const PEER = fileURLToPath(new URL('./router-bench-peer.ts', import.meta.url));

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

/** Run a raw peer as a child with a role; `line` resolves with the first stdout line that satisfies `until`. */
function child(role: string, extra: string[]): { proc: ChildProcess; line: (until: (l: string) => boolean) => Promise<string> } {
  const proc = spawn(process.execPath, [...process.execArgv, PEER, '--role', role, ...extra], { stdio: ['ignore', 'pipe', 'inherit'] });
  proc.on('error', (err) => console.error(`${role}: ${err.message}`));
  const killer = setTimeout(() => proc.kill('SIGKILL'), CHILD_DEADLINE_MS);
  proc.once('exit', () => clearTimeout(killer));
  let buffer = '';
  const lines: string[] = [];
  const waiters: (() => void)[] = [];
  proc.stdout!.on('data', (b: Buffer) => {
    buffer += b.toString();
    let i: number;
    while ((i = buffer.indexOf('\n')) >= 0) {
      lines.push(buffer.slice(0, i));
      buffer = buffer.slice(i + 1);
      waiters.splice(0).forEach((w) => w());
    }
  });
  const line = (until: (l: string) => boolean) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const hit = lines.find(until);
        if (hit !== undefined) return resolve(hit);
        if (proc.exitCode !== null || proc.signalCode !== null) return reject(new Error(`${role} exited with ${proc.exitCode ?? proc.signalCode}`));
        waiters.push(check);
      };
      proc.once('exit', () => waiters.push(check) && check());
      check();
    });
  return { proc, line };
}

/** One caller/callee pair of raw peers in serializer `s`, through the router at `url` or, without one, directly. */
async function measure(name: string, url: string | undefined, s: Serialization, callerArgs: string[] = []): Promise<CallerReport> {
  const c = url ? child('callee', ['--url', url, '--serializer', s]) : child('floor', ['--serializer', s]);
  try {
    const ready = await c.line((l) => l.startsWith('ready'));
    const target = url ?? `ws://127.0.0.1:${ready.split(' ')[1]}/`;
    const k = child('caller', ['--url', target, '--serializer', s, ...callerArgs]);
    const report = JSON.parse(await k.line((l) => l.startsWith('{'))) as CallerReport;
    process.stderr.write(`${name}: p50 ${report.p50.toFixed(3)} ms, ${report.callsPerSecond.toFixed(0)} calls/s (load ${loadavg()[0]!.toFixed(1)})\n`);
    return report;
  } finally {
    c.proc.kill('SIGTERM');
  }
}

/**
 * The router as berth runs it: compiled by tsc (`npm run bench` builds first), when dist/ is at least as new as
 * src/router/. Under tsx every closure made per frame also gets its name set (esbuild's keepNames), a cost berth
 * never pays: several percent of the router's time in the scanners and the authorizer.
 */
async function loadRouter(): Promise<typeof import('../src/router/embedded-router.js')> {
  const built = new URL('../dist/router/embedded-router.js', import.meta.url);
  const srcDir = new URL('../src/router/', import.meta.url);
  const newestSource = Math.max(...readdirSync(srcDir).map((f) => statSync(new URL(f, srcDir)).mtimeMs));
  if (existsSync(built) && statSync(built).mtimeMs >= newestSource) return (await import(built.href)) as typeof import('../src/router/embedded-router.js');
  process.stderr.write('router bench: dist/ is missing or older than src/router/ (npm run build); measuring the router under tsx\n');
  return await import('../src/router/embedded-router.js');
}

const PERMISSIVE = { name: REALM, roles: [{ name: 'anonymous', permissions: [{ uri: '', match: 'prefix' as const, allow: { call: true, register: true, publish: true, subscribe: true }, disclose: { caller: true, publisher: true } }] }] };

async function main(): Promise<void> {
  // Imported here so the child processes do not load the router or the test helpers.
  const { EmbeddedRouter } = await loadRouter();
  const { Crossbar } = await import('../test/helpers/crossbar.js');
  const { Nexus } = await import('../test/helpers/nexus.js');
  const serializers = (arg('serializers')?.split(',') ?? SERIALIZATIONS) as Serialization[];
  const targets = (arg('targets')?.split(',') ?? TARGETS) as Target[];
  for (const s of serializers) if (!SERIALIZATIONS.includes(s)) throw new Error(`unknown serializer "${s}" (one of ${SERIALIZATIONS.join(', ')})`);
  for (const t of targets) if (!TARGETS.includes(t)) throw new Error(`unknown target "${t}" (one of ${TARGETS.join(', ')})`);
  const loadBefore = loadavg()[0]!;

  // All routers up first; each serializer then measures the targets back to back (one router busy at a time).
  const embedded = targets.includes('embedded') ? await EmbeddedRouter.start({ listen: [{ host: '127.0.0.1', port: 0 }], realms: [PERMISSIVE] }) : undefined;
  const nexus = targets.includes('nexus') ? await Nexus.start({ realm: REALM }) : undefined;
  const crossbar = targets.includes('crossbar') ? await Crossbar.start() : undefined;
  const urls: Record<Target, string | undefined> = { floor: undefined, embedded: embedded?.urls[0], nexus: nexus?.url, crossbar: crossbar?.url };
  const runs: Partial<Record<Serialization, Partial<Record<Target, CallerReport>>>> = {};
  try {
    for (const s of serializers) {
      const run: Partial<Record<Target, CallerReport>> = (runs[s] = {});
      for (const t of targets) run[t] = await measure(`${t}, ${s}`, urls[t], s);
    }
  } finally {
    await embedded?.stop();
    await nexus?.[Symbol.asyncDispose]();
    await crossbar?.[Symbol.asyncDispose]();
  }

  // Call p50 with 1, 1k and 100k wildcard registrations held by another session: the cost must not grow with them.
  const scaling: Record<string, CallerReport> = {};
  for (const held of process.argv.includes('--no-scaling') ? [] : HELD) {
    const r = await EmbeddedRouter.start({ listen: [{ host: '127.0.0.1', port: 0 }], realms: [PERMISSIVE], limits: { maxRegistrationsPerSession: 2 * Math.max(...HELD) } });
    const h = child('holder', ['--url', r.urls[0]!, '--count', String(held)]);
    try {
      await h.line((l) => l === 'ready');
      scaling[String(held)] = await measure(`embedded, ${held} registrations held`, r.urls[0]!, 'json', ['--sequential-only']);
    } finally {
      h.proc.kill('SIGTERM');
      await r.stop();
    }
  }

  printTables(runs, scaling);
  const out = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(out, { recursive: true });
  const machine = { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, loadBefore, loadAfter: loadavg()[0] };
  writeFileSync(`${out}router.json`, `${JSON.stringify({ date: new Date().toISOString(), machine, sequentialCalls: SEQUENTIAL, inFlight: IN_FLIGHT, concurrentCalls: CONCURRENT_TOTAL, runs, scaling }, null, 2)}\n`);
}

function printTables(runs: Partial<Record<Serialization, Partial<Record<Target, CallerReport>>>>, scaling: Record<string, CallerReport>): void {
  const cell = (v: string) => v.padStart(12);
  console.log(`\n${'serializer, target'.padEnd(24)}${cell('p50 (ms)')}${cell('p99 (ms)')}${cell('calls/s')}`);
  for (const [s, run] of Object.entries(runs)) {
    for (const [t, r] of Object.entries(run)) console.log(`${`${s}, ${t}`.padEnd(24)}${cell(r.p50.toFixed(3))}${cell(r.p99.toFixed(3))}${cell(r.callsPerSecond.toFixed(0))}`);
  }
  if (!Object.keys(scaling).length) return;
  console.log(`\n${'registrations held'.padEnd(24)}${cell('p50 (ms)')}${cell('p99 (ms)')}`);
  for (const [held, r] of Object.entries(scaling)) console.log(`${held.padEnd(24)}${cell(r.p50.toFixed(3))}${cell(r.p99.toFixed(3))}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
