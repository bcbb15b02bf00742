import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PYTHON } from '../../helpers/crossbar.js';
import type { Target } from './targets.js';

const SCRIPT = fileURLToPath(new URL('../peers/scenarios.py', import.meta.url));
/** Per router: the script bounds each scenario to 30 s itself. */
const PER_ROUTER_MS = 40_000;

/**
 * Run one Autobahn|Python scenario (test/conformance/peers/scenarios.py) against routers one after the other, in one
 * interpreter (starting one and loading Autobahn takes about a second); its last stdout lines are the outcomes, in order.
 */
export function runPython(targets: readonly Target[], scenario: string): Promise<Partial<Record<Target['name'], unknown>>> {
  const args = [SCRIPT, scenario, ...targets.flatMap((t) => [t.url, t.realm])];
  const names = targets.map((t) => t.name).join(', ');
  return new Promise((resolve, reject) => {
    execFile(PYTHON, args, { timeout: PER_ROUTER_MS * targets.length, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`python ${scenario} against ${names} failed: ${err.message}\n${stderr.slice(-3000)}`));
      const lines = stdout.trim().split('\n').slice(-targets.length);
      try {
        resolve(Object.fromEntries(targets.map((t, i) => [t.name, JSON.parse(lines[i] ?? '')])));
      } catch {
        reject(new Error(`python ${scenario} printed no JSON outcome per router: ${stdout.slice(-2000)}\n${stderr.slice(-2000)}`));
      }
    });
  });
}

/**
 * A scenario for `sameOnAll`: its first call runs the Python scenario on every router in `targets` at once (one
 * interpreter), and each call takes the outcome of its own router.
 */
export function pythonScenario(targets: readonly Target[], scenario: string): (t: Target) => Promise<unknown> {
  let outcomes: ReturnType<typeof runPython> | undefined;
  return async (t) => {
    const all = await (outcomes ??= runPython(targets, scenario));
    if (!(t.name in all)) throw new Error(`python ${scenario} did not run against ${t.name}`);
    return all[t.name];
  };
}
