/**
 * The router bench's raw peers, each a process of its own (`--role`), speaking WAMP over WebSocket by hand in one
 * serializer (`--serializer json|msgpack|cbor`) so the client cost is small and the same for every router:
 *
 *   --role callee --url U        registers bench.echo at the router U, answers each INVOCATION with a YIELD
 *   --role floor                 no router: listens on loopback itself (prints `ready PORT`), answers HELLO with WELCOME
 *                                and each CALL with its RESULT — the caller's frames, one decode and one encode per call
 *                                in each peer, as through a router, so it is the cost of the peers and the wire alone
 *   --role holder --url U --count N   holds N wildcard registrations that never match bench.echo
 *   --role caller --url U [--sequential-only]   measures, prints one JSON line (CallerReport)
 */
import { Decoder, Encoder } from 'cbor-x';
import { Packr, Unpackr } from 'msgpackr';
import WebSocket, { WebSocketServer } from 'ws';

export const SEQUENTIAL = 10_000;
export const WARMUP = 1_000;
export const IN_FLIGHT = 64;
export const CONCURRENT_TOTAL = 40_000;
export const CHILD_DEADLINE_MS = 180_000;
export const REALM = 'realm1';
const PROCEDURE = 'bench.echo';

export interface CallerReport {
  p50: number;
  p99: number;
  mean: number;
  callsPerSecond: number;
}

export type Serialization = 'json' | 'msgpack' | 'cbor';
export const SERIALIZATIONS: readonly Serialization[] = ['json', 'msgpack', 'cbor'];

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

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

const serialization = (arg('serializer') ?? 'json') as Serialization;
const codec = codecOf(serialization);

/** A bare WAMP session: HELLO/WELCOME, then the handler sees every frame. `send` writes one message. */
async function joinRaw(url: string, onMessage: (m: unknown[], send: (m: unknown[]) => void) => void): Promise<{ ws: WebSocket; send: (m: unknown[]) => void }> {
  const ws = new WebSocket(url, [`wamp.2.${serialization}`], { perMessageDeflate: false });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  ws.on('error', (err) => {
    console.error(err);
    process.exit(1);
  });
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

/** Registers with disclose_caller so that every router does the same work (nexus discloses only on request). */
async function callee(url: string): Promise<void> {
  const { ws, send } = await joinRaw(url, (m, reply) => {
    if (m[0] === 68) reply([70, m[1], {}, m[4] ?? []]);
    else if (m[0] === 65) process.stdout.write('ready\n');
    else if (m[0] === 8) throw new Error(`register refused: ${JSON.stringify(m)}`);
  });
  send([64, 1, { disclose_caller: true }, PROCEDURE]);
  ws.once('close', () => process.exit(0));
}

/** The floor: the callee is the caller's WebSocket server; no router in between. */
async function floor(): Promise<void> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  server.on('error', (err) => {
    console.error(err);
    process.exit(1);
  });
  server.on('connection', (ws) => {
    ws.on('error', () => ws.terminate());
    ws.on('message', (data: Buffer) => {
      const m = codec.decode(data);
      if (m[0] === 48) ws.send(codec.encode([50, m[1], {}, m[4] ?? []]));
      else if (m[0] === 1) ws.send(codec.encode([2, 1, { roles: { dealer: {} } }]));
    });
    ws.once('close', () => process.exit(0));
  });
  await new Promise((resolve) => server.once('listening', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error(`unexpected address ${address}`);
  process.stdout.write(`ready ${address.port}\n`);
}

/** Holds `count` wildcard registrations that never match the benchmark's procedure (but share its first component). */
async function holder(url: string, count: number): Promise<void> {
  let registered = 0;
  const { ws, send } = await joinRaw(url, (m) => {
    if (m[0] === 8) throw new Error(`register refused: ${JSON.stringify(m)}`);
    if (m[0] === 65 && ++registered === count) process.stdout.write('ready\n');
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
  let callsPerSecond = 0;
  if (!process.argv.includes('--sequential-only')) {
    let started = 0;
    const t0 = process.hrtime.bigint();
    const lane = async () => {
      while (started < CONCURRENT_TOTAL) {
        started++;
        await call();
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
    callsPerSecond = CONCURRENT_TOTAL / (Number(process.hrtime.bigint() - t0) / 1e9);
  }
  const report: CallerReport = {
    p50: latencies[Math.floor(SEQUENTIAL * 0.5)]!,
    p99: latencies[Math.floor(SEQUENTIAL * 0.99)]!,
    mean: latencies.reduce((a, b) => a + b, 0) / SEQUENTIAL,
    callsPerSecond,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
  ws.close();
}

const role = arg('role');
if (role) {
  const url = arg('url') ?? '';
  const run = role === 'callee' ? callee(url) : role === 'floor' ? floor() : role === 'holder' ? holder(url, Number(arg('count'))) : role === 'caller' ? caller(url) : Promise.reject(new Error(`unknown role ${role}`));
  run.catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
  setTimeout(() => process.exit(2), CHILD_DEADLINE_MS).unref();
}
