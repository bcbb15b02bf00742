/**
 * Embedded router vs Crossbar.io on this machine: p50/p99 latency of 10,000 sequential calls and calls/s with 64 calls
 * in flight. Caller and callee are separate processes (this file, re-run with --role), speaking WAMP over WebSocket by
 * hand (JSON, msgpack or CBOR: `--serializer` of the raw peers) so the client cost is small and the same for both
 * routers. Loopback only; every wait is bounded.
 *
 * The embedded router is measured in each serializer of `--serializers` (default json,msgpack,cbor), Crossbar.io in
 * JSON. Then the embedded router alone with 1, 1,000 and 100,000 wildcard registrations held by another session: call
 * p50 must stay flat (with a linear scan, 100k registrations cost ~100 ms per call).
 *
 *   npx tsx bench/router-bench.ts [--serializers json,msgpack,cbor]   → prints the tables, writes bench/results/router.json
 *   npx tsx bench/router-bench.ts --serializers-only                 → the embedded router per serializer only (~1 min),
 *                                                                      writes bench/results/router-serializers.json
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Decoder, Encoder } from 'cbor-x';
import { Packr, Unpackr } from 'msgpackr';
import WebSocket from 'ws';

const SEQUENTIAL = 10_000;
const WARMUP = 1_000;
const IN_FLIGHT = 64;
const CONCURRENT_TOTAL = 40_000;
const CHILD_DEADLINE_MS = 120_000;
const PROCEDURE = 'bench.echo';
const REALM = 'realm1';
const HELD = [1, 1_000, 100_000];

interface CallerReport {
  p50: number;
  p99: number;
  mean: number;
  callsPerSecond: number;
}

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

type Serialization = 'json' | 'msgpack' | 'cbor';
const SERIALIZATIONS: readonly Serialization[] = ['json', 'msgpack', 'cbor'];

/** How a raw peer writes and reads frames in one serializer (plain data, 64-bit integers as numbers). */
interface Codec {
  readonly encode: (m: unknown[]) => string | Buffer;
  readonly decode: (data: Buffer) => unknown[];
}

function codecOf(serialization: Serialization): Codec {
  switch (serialization) {
    case 'json':
      return { encode: (m) => JSON.stringify(m), decode: (d) => JSON.parse(d.toString()) as unknown[] };
    case 'msgpack': {
      const packr = new Packr({ useRecords: false });
      const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' });
      return { encode: (m) => packr.pack(m), decode: (d) => unpackr.unpack(d) as unknown[] };
    }
    case 'cbor': {
      const options = { useRecords: false, mapsAsObjects: true, int64AsNumber: true, tagUint8Array: false } as const;
      const encoder = new Encoder(options);
      const decoder = new Decoder(options);
      return { encode: (m) => encoder.encode(m), decode: (d) => decoder.decode(d) as unknown[] };
    }
  }
}

/** The raw peers' serializer (`--serializer`, default json). */
const serialization = (arg('serializer') ?? 'json') as Serialization;
const codec = codecOf(serialization);

/** A bare WAMP session: HELLO/WELCOME, then the caller's handler sees every frame. `send` writes one message. */
async function joinRaw(url: string, onMessage: (m: unknown[], send: (m: unknown[]) => void) => void): Promise<{ ws: WebSocket; send: (m: unknown[]) => void }> {
  const ws = new WebSocket(url, [`wamp.2.${serialization}`], { perMessageDeflate: false });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const send = (m: unknown[]) => ws.send(codec.encode(m));
  send([1, REALM, { roles: { caller: {}, callee: {} } }]);
  await new Promise<void>((resolve, reject) => {
    ws.once('message', (data: Buffer) => {
      const m = codec.decode(data);
      if (m[0] === 2) resolve();
      else reject(new Error(`join refused: ${JSON.stringify(m)}`));
    });
  });
  ws.on('message', (data: Buffer) => onMessage(codec.decode(data), send));
  return { ws, send };
}

async function callee(url: string): Promise<void> {
  const { ws, send } = await joinRaw(url, (m, reply) => {
    if (m[0] === 68) reply([70, m[1], {}, m[4] ?? []]);
    else if (m[0] === 65) process.stdout.write('ready\n');
  });
  send([64, 1, {}, PROCEDURE]);
  ws.once('close', () => process.exit(0));
}

/** Holds `count` wildcard registrations that never match the benchmark's procedure (but share its first component). */
async function holder(url: string, count: number): Promise<void> {
  let registered = 0;
  const { ws, send } = await joinRaw(url, (m) => {
    if (m[0] === 65 || m[0] === 8) {
      if (m[0] === 8) throw new Error(`register refused: ${JSON.stringify(m)}`);
      if (++registered === count) process.stdout.write('ready\n');
    }
  });
  for (let i = 1; i <= count; i++) send([64, i, { match: 'wildcard' }, `bench.${i}..x`]);
  ws.once('close', () => process.exit(0));
}

async function caller(url: string): Promise<void> {
  const pending = new Map<number, () => void>();
  const { ws, send } = await joinRaw(url, (m) => {
    if (m[0] === 50 || m[0] === 8) {
      const id = (m[0] === 50 ? m[1] : m[2]) as number;
      const done = pending.get(id);
      pending.delete(id);
      done?.();
    }
  });
  let request = 0;
  const call = () =>
    new Promise<void>((resolve) => {
      const id = ++request;
      pending.set(id, resolve);
      send([48, id, {}, PROCEDURE, [id, 'payload']]);
    });
  for (let i = 0; i < WARMUP; i++) await call();
  const latencies = new Float64Array(SEQUENTIAL);
  for (let i = 0; i < SEQUENTIAL; i++) {
    const t0 = process.hrtime.bigint();
    await call();
    latencies[i] = Number(process.hrtime.bigint() - t0) / 1e6;
  }
  latencies.sort();
  if (process.argv.includes('--sequential-only')) {
    const p = (q: number) => latencies[Math.floor(SEQUENTIAL * q)]!;
    process.stdout.write(`${JSON.stringify({ p50: p(0.5), p99: p(0.99), mean: latencies.reduce((a, b) => a + b, 0) / SEQUENTIAL, callsPerSecond: 0 })}\n`);
    ws.close();
    return;
  }
  let started = 0;
  const t0 = process.hrtime.bigint();
  const lane = async () => {
    while (started < CONCURRENT_TOTAL) {
      started++;
      await call();
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const report: CallerReport = {
    p50: latencies[Math.floor(SEQUENTIAL * 0.5)]!,
    p99: latencies[Math.floor(SEQUENTIAL * 0.99)]!,
    mean: latencies.reduce((a, b) => a + b, 0) / SEQUENTIAL,
    callsPerSecond: CONCURRENT_TOTAL / seconds,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
  ws.close();
}

/** Run this file again as a child with a role; resolves with the first stdout line that satisfies `until`. */
function child(role: string, url: string, extra: string[] = []): { proc: ChildProcess; line: (until: (l: string) => boolean) => Promise<string> } {
  const proc = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--role', role, '--url', url, ...extra], { stdio: ['ignore', 'pipe', 'inherit'] });
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
        if (proc.exitCode !== null) return reject(new Error(`${role} exited with ${proc.exitCode}`));
        waiters.push(check);
      };
      proc.once('exit', () => waiters.push(check) && check());
      check();
    });
  return { proc, line };
}

/** One caller/callee pair of raw peers in serializer `s` through the router at `url`. */
async function measure(name: string, url: string, callerArgs: string[] = [], s: Serialization = 'json'): Promise<CallerReport> {
  const c = child('callee', url, ['--serializer', s]);
  try {
    await c.line((l) => l === 'ready');
    const k = child('caller', url, [...callerArgs, '--serializer', s]);
    const report = JSON.parse(await k.line((l) => l.startsWith('{'))) as CallerReport;
    process.stderr.write(`${name}: done\n`);
    return report;
  } finally {
    c.proc.kill('SIGTERM');
  }
}

async function main(): Promise<void> {
  // Imported here so the child processes do not load the router or the test helpers.
  const { EmbeddedRouter } = await import('../src/router/embedded-router.js');
  const { Crossbar } = await import('../test/helpers/crossbar.js');
  const results: Record<string, CallerReport> = {};
  const serializers = (arg('serializers')?.split(',') ?? SERIALIZATIONS) as Serialization[];
  const bySerializer: Partial<Record<Serialization, CallerReport>> = {};

  for (const s of serializers) {
    if (!SERIALIZATIONS.includes(s)) throw new Error(`unknown serializer "${s}" (one of ${SERIALIZATIONS.join(', ')})`);
    const router = await EmbeddedRouter.start({
      listen: [{ host: '127.0.0.1', port: 0 }],
      realms: [{ name: REALM, roles: [{ name: 'anonymous', permissions: [{ uri: '', match: 'prefix', allow: { call: true, register: true, publish: true, subscribe: true }, disclose: { caller: true, publisher: true } }] }] }],
    });
    try {
      bySerializer[s] = await measure(`embedded, ${s}`, router.urls[0]!, [], s);
    } finally {
      await router.stop();
    }
  }
  results.embedded = bySerializer.json ?? bySerializer[serializers[0]!]!;
  const serializerTable = () => {
    console.log(`\n${'embedded, serializer'.padEnd(22)}${'p50 (ms)'.padStart(12)}${'p99 (ms)'.padStart(12)}${'calls/s'.padStart(12)}`);
    for (const [s, r] of Object.entries(bySerializer)) console.log(`${s.padEnd(22)}${r.p50.toFixed(3).padStart(12)}${r.p99.toFixed(3).padStart(12)}${r.callsPerSecond.toFixed(0).padStart(12)}`);
  };
  const out = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(out, { recursive: true });
  const machine = { cpus: cpus().length, model: cpus()[0]?.model, node: process.version };
  if (process.argv.includes('--serializers-only')) {
    // The embedded router in each serializer alone (about a minute): no scaling runs, no Crossbar.io.
    serializerTable();
    writeFileSync(`${out}router-serializers.json`, `${JSON.stringify({ date: new Date().toISOString(), machine, sequentialCalls: SEQUENTIAL, inFlight: IN_FLIGHT, concurrentCalls: CONCURRENT_TOTAL, serializers: bySerializer }, null, 2)}\n`);
    return;
  }
  // Call p50 with 1, 1k and 100k wildcard registrations held by another session: the cost must not grow with them.
  const scaling: Record<string, CallerReport> = {};
  for (const held of HELD) {
    const r = await EmbeddedRouter.start({
      listen: [{ host: '127.0.0.1', port: 0 }],
      realms: [{ name: REALM, roles: [{ name: 'anonymous', permissions: [{ uri: '', match: 'prefix', allow: { call: true, register: true, publish: true, subscribe: true }, disclose: { caller: true, publisher: true } }] }] }],
      limits: { maxRegistrationsPerSession: 2 * Math.max(...HELD) },
    });
    const h = child('holder', r.urls[0]!, ['--count', String(held)]);
    try {
      await h.line((l) => l === 'ready');
      scaling[String(held)] = await measure(`embedded, ${held} registrations held`, r.urls[0]!, ['--sequential-only']);
    } finally {
      h.proc.kill('SIGTERM');
      await r.stop();
    }
  }

  const crossbar = await Crossbar.start();
  try {
    results.crossbar = await measure('crossbar', crossbar.url);
  } finally {
    await crossbar[Symbol.asyncDispose]();
  }

  const e = results.embedded!;
  const x = results.crossbar!;
  const row = (label: string, a: number, b: number, digits: number) => `${label.padEnd(22)}${a.toFixed(digits).padStart(12)}${b.toFixed(digits).padStart(12)}${(a / b).toFixed(2).padStart(9)}`;
  const table = [
    `${''.padEnd(22)}${'embedded'.padStart(12)}${'crossbar'.padStart(12)}${'ratio'.padStart(9)}`,
    row('p50 latency (ms)', e.p50, x.p50, 3),
    row('p99 latency (ms)', e.p99, x.p99, 3),
    row(`calls/s (${IN_FLIGHT} in flight)`, e.callsPerSecond, x.callsPerSecond, 0),
  ].join('\n');
  console.log(table);
  console.log(`\n${'registrations held'.padEnd(22)}${'p50 (ms)'.padStart(12)}${'p99 (ms)'.padStart(12)}`);
  for (const [held, r] of Object.entries(scaling)) console.log(`${held.padEnd(22)}${r.p50.toFixed(3).padStart(12)}${r.p99.toFixed(3).padStart(12)}`);
  serializerTable();
  writeFileSync(
    `${out}router.json`,
    `${JSON.stringify({ date: new Date().toISOString(), machine, sequentialCalls: SEQUENTIAL, inFlight: IN_FLIGHT, concurrentCalls: CONCURRENT_TOTAL, results, serializers: bySerializer, scaling }, null, 2)}\n`,
  );
}

const role = arg('role');
const url = arg('url');
const run = role === 'callee' ? callee(url!) : role === 'caller' ? caller(url!) : role === 'holder' ? holder(url!, Number(arg('count'))) : main();
run.then(
  () => {
    if (!role) process.exit(0);
  },
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
if (role) setTimeout(() => process.exit(2), CHILD_DEADLINE_MS).unref();
