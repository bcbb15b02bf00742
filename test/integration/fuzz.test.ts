import { readFileSync, writeFileSync } from 'node:fs';
import autobahn from 'autobahn';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ERRORS } from '../../src/errors.js';
import { BerthProcess } from '../helpers/berth-process.js';
import { cleanDomain, makeImage, testDomain } from '../helpers/docker.js';
import { WampClient } from '../helpers/wamp-client.js';

const routerUrl = inject('routerUrl');
const CALLS = Number(process.env.BERTH_FUZZ_CALLS ?? 5_000);
const IN_FLIGHT = 8;
const RSS_BOUND_MB = 400;

/** A small seeded generator, so that a failure can be replayed with the seed it prints. */
function generator(seed: number) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  // No NUL: Crossbar.io 26.10 silently drops a caller's connection when a string holding NUL is followed by more
  // characters (a caller-side matter berth never sees; the environment's NUL rule has its own unit test).
  const strings = ['', 'bb', 'fz', 'a..b', 'a.', '-x', 'x'.repeat(300), 'ü', '#', 'a b', '../..', 'constructor', '__proto__',
    '6m', '1e-9', '0', 'true', 'WS_URL', 'http://127.0.0.1/x.git', 'http://[::1]/x.git', 'http://0.0.0.0/x.git', 'http://localhost/x.git',
    'file:///etc/passwd', 'ext::sh -c id', '--upload-pack=id', 'git@host:x.git', 'ssh://127.0.0.1/x'];
  const value = (depth = 0): unknown => {
    switch (int(depth > 2 ? 6 : 9)) {
      case 0: return null;
      case 1: return next() < 0.5;
      case 2: return pick([0, -1, 1e-9, 0.01, 8, 2 ** 53, -(2 ** 31), 1.5, 1e308, 100_001]);
      case 3: case 4: case 5: return string();
      case 6: return Array.from({ length: int(4) }, () => value(depth + 1));
      default: return Object.fromEntries(Array.from({ length: int(4) }, () => [pick(['memory', 'cpus', 'pids', 'K', 'WS_URL', 'tail', 'x', '__proto__']), value(depth + 1)]));
    }
  };
  const string = () => pick(strings) + (next() < 0.3 ? String(int(100)) : '');
  return { int, pick, value, next, string };
}

// Fuzzing: 5,000 calls with random arguments over every procedure → no crash, every error a documented URI, bounded RSS.
describe('fuzz: random arguments to every procedure', { timeout: Number(process.env.BERTH_FUZZ_TIMEOUT ?? 300_000) }, () => {
  const D = testDomain('fz');
  let berth: BerthProcess;
  let client: WampClient;

  beforeAll(async () => {
    await makeImage(D, 'bb');
    berth = await BerthProcess.start(['--router', routerUrl, '--domain', D]);
    client = await WampClient.connect(routerUrl);
    await client.call(`${D}/create`, ['bb', 'keep']);
  });
  afterAll(async () => {
    if (process.env.BERTH_FUZZ_TRACE) writeFileSync(`${process.env.BERTH_FUZZ_TRACE}.berth`, berth.stdout.slice(-20_000) + berth.stderr.slice(-5_000));
    await client?.close();
    await berth?.stop();
    await cleanDomain(D);
  });

  it(`${CALLS} calls: berth stays up, answers each with a result or a documented error, and stays within ${RSS_BOUND_MB} MB`, async () => {
    const seed = Number(process.env.BERTH_FUZZ_SEED ?? Date.now() % 1_000_000);
    const g = generator(seed);
    const documented = new Set<string>([...Object.values(ERRORS).map((e) => e.uri)]);
    const ops = ['create', 'list', 'images', 'remove', 'removeImage', 'build', 'cancelBuild', 'updateImage', 'volumes', 'removeVolume', 'keep/image', 'keep/inspect', 'keep/logs', 'keep/top', 'keep/start'];
    const seen = new Map<string, number>();
    const bad: string[] = [];
    let done = 0;
    const recent: string[] = [];
    const one = async () => {
      const op = g.pick(ops);
      // Half the calls look almost right (strings where names and URLs go), so they get past the first checks.
      const plausible = g.next() < 0.5;
      const args = Array.from({ length: g.int(5) }, (_, i) => (plausible && i < 2 ? g.string() : g.value()));
      const kwargs = g.next() < 0.3 ? (g.value(2) as Record<string, unknown>) : {};
      const kw = kwargs && typeof kwargs === 'object' && !Array.isArray(kwargs) ? kwargs : {};
      recent.push(`${op}(${JSON.stringify(args).slice(0, 300)}, ${JSON.stringify(kw).slice(0, 300)})`);
      if (recent.length > 20) recent.shift();
      if (process.env.BERTH_FUZZ_TRACE) writeFileSync(process.env.BERTH_FUZZ_TRACE, recent.join('\n'));
      if (!client.session.isOpen) throw new Error(`the caller's session closed; the last calls: ${recent.join('\n')}`);
      try {
        await client.session.call(`${D}/${op}`, args, kw, { timeout: 60 } as autobahn.ICallOptions);
        seen.set(`${op} ok`, (seen.get(`${op} ok`) ?? 0) + 1);
        // a random create that succeeded is removed again, so the run stays small
        if (op === 'create') for (const c of await client.call<{ name: string }[]>(`${D}/list`)) if (c.name !== 'keep') await client.call(`${D}/remove`, [c.name]).catch(() => undefined);
      } catch (err) {
        const uri = err instanceof autobahn.Error ? err.error : `not a WAMP error: ${String(err)}`;
        seen.set(`${op} ${uri}`, (seen.get(`${op} ${uri}`) ?? 0) + 1);
        if (!documented.has(uri)) bad.push(`${op}(${JSON.stringify(args).slice(0, 200)}, ${JSON.stringify(kw).slice(0, 200)}) → ${uri}`);
        if (err instanceof autobahn.Error && typeof err.args?.[0] !== 'string') bad.push(`${op} → ${uri} without a message`);
      }
      done++;
    };
    const workers = Array.from({ length: IN_FLIGHT }, async () => {
      while (done + IN_FLIGHT <= CALLS + IN_FLIGHT - 1 && done < CALLS) await one();
    });
    await Promise.all(workers);
    expect(bad.slice(0, 10), `seed ${seed}`).toEqual([]);
    expect(berth.child.exitCode, `seed ${seed}`).toBeNull();
    const rssMb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${berth.child.pid}/status`, 'utf8'))![1]) / 1024;
    expect(rssMb, `seed ${seed}`).toBeLessThan(RSS_BOUND_MB);
    // still fully working afterwards
    expect(await client.call<{ name: string }[]>(`${D}/list`)).toEqual([expect.objectContaining({ name: 'keep', state: 'running' })]);
    expect(berth.lines.filter((l) => l.level >= 50 && l.msg !== 'call failed')).toEqual([]);
    console.log(`fuzz seed ${seed}: ${done} calls, RSS ${rssMb.toFixed(0)} MB`, Object.fromEntries([...seen].sort()));
  });
});
