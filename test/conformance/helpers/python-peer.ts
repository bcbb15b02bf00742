import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PYTHON } from '../../helpers/crossbar.js';
import type { Target } from './targets.js';

const SCRIPT = fileURLToPath(new URL('../peers/scenarios.py', import.meta.url));

/** Run one Autobahn|Python scenario (test/conformance/peers/scenarios.py) against a router; its last stdout line is the outcome. */
export function runPython(target: Target, scenario: string, timeoutMs = 40_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    execFile(PYTHON, [SCRIPT, target.url, target.realm, scenario], { timeout: timeoutMs, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`python ${scenario} against ${target.name} failed: ${err.message}\n${stderr.slice(-3000)}`));
      const last = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(last));
      } catch {
        reject(new Error(`python ${scenario} printed no JSON outcome: ${stdout.slice(-2000)}\n${stderr.slice(-2000)}`));
      }
    });
  });
}
