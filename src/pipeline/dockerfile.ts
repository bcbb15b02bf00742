import { LABELS } from '../engine/labels.js';
import type { Runfile } from './runfile.js';
import type { Healthcheck } from './runfile-lifecycle.js';

/** Where the repository's build context goes in the image. */
export const WORKDIR = '/app';

/** The exec-form command of a Run.yaml Command: a string runs through /bin/sh -c. */
export function commandArgv(command: Runfile['Command']): string[] {
  return typeof command === 'string' ? ['/bin/sh', '-c', command] : [...command];
}

/**
 * The Dockerfile berth builds with, written line by line: every instruction is fixed text or JSON from JSON.stringify
 * (exec form: no shell and no Dockerfile variable expansion), and the base is a validated image reference or ID, so
 * nothing a repository writes can add an instruction. Env and metadata go to labels after the build, never into this
 * text — except the build label right after FROM: every step image and step container then carries
 * `berth.build=<domain>`, so what a killed build leaves can be found (and the final image gets it set empty).
 */
export function generateDockerfile(baseRef: string, run: Pick<Runfile, 'Command' | 'Setup'> & { Healthcheck?: Healthcheck | undefined }, domain: string): string {
  if (/[\s"'\\$]/.test(baseRef)) throw new Error(`refusing base reference ${JSON.stringify(baseRef)}`);
  if (!/^[a-z0-9._-]+$/.test(domain)) throw new Error(`refusing domain ${JSON.stringify(domain)}`);
  const lines = [
    `FROM ${baseRef}`,
    `LABEL ${LABELS.build}="${domain}"`,
    `WORKDIR ${WORKDIR}`,
    `COPY . ${WORKDIR}`,
    ...run.Setup.map((step) => `RUN ${JSON.stringify(['/bin/sh', '-c', step])}`),
    `CMD ${JSON.stringify(commandArgv(run.Command))}`,
    ...(run.Healthcheck ? [healthcheckInstruction(run.Healthcheck)] : []),
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * Run.yaml Healthcheck as the image's HEALTHCHECK (issue 11). Durations are whole milliseconds rendered as `<n>ms`
 * (digits and a unit, nothing else) and the command is exec form from JSON.stringify, so no Run.yaml can add an
 * instruction. The classic builder of engine 20.10 (API 1.41) takes --start-period (but not a zero one).
 */
export function healthcheckInstruction(h: Healthcheck): string {
  const ms = (v: number) => {
    if (!Number.isSafeInteger(v) || v < 0) throw new Error(`refusing health check duration ${JSON.stringify(v)}`);
    return `${v}ms`;
  };
  if (!Number.isSafeInteger(h.Retries) || h.Retries < 1) throw new Error(`refusing health check retries ${JSON.stringify(h.Retries)}`);
  // The classic builder of engine 20.10 refuses `--start-period=0ms` ("cannot be less than 1ms"): 0 is its default, so
  // a zero start period is left out.
  const startPeriod = ms(h.StartPeriod) === '0ms' ? '' : ` --start-period=${ms(h.StartPeriod)}`;
  return `HEALTHCHECK --interval=${ms(h.Interval)} --timeout=${ms(h.Timeout)} --retries=${h.Retries}${startPeriod} CMD ${JSON.stringify([...h.Command])}`;
}
