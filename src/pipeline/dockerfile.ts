import { LABELS } from '../engine/labels.js';
import type { Runfile } from './runfile.js';
import type { Healthcheck } from './runfile-lifecycle.js';

/** Where the repository's build context goes in the image. */
export const WORKDIR = '/app';

/** The exec-form command of a Run.yaml Command: a string runs through /bin/sh -c. */
export function commandArgv(command: Runfile['Command']): string[] {
  return typeof command === 'string' ? ['/bin/sh', '-c', command] : [...command];
}

/** Where the repository is in the build context (context-relative): beside it are only berth's own entries. */
export const CONTEXT_SOURCE = 'app';
/** The empty directories the volume COPY lines copy from: `volumes/<i>/<last component of the i-th path>/`. */
export const CONTEXT_VOLUMES = 'volumes';

/** A Run.yaml Volumes path as generateDockerfile takes it (Run.yaml's schema checks much more, this is the last guard). */
const PLAIN_PATH = /^(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)+$/;
/** sandbox.user's pattern: `user[:group]`, names or numbers. */
const OWNER = /^[A-Za-z0-9_][A-Za-z0-9_.-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]*)?$/;

/** The context entry of the i-th volume path: an empty directory named as the path's last component. */
export function volumeContextDir(i: number, path: string): string {
  return `${CONTEXT_VOLUMES}/${i}/${path.slice(path.lastIndexOf('/') + 1)}`;
}

/**
 * The Dockerfile berth builds with, written line by line: every instruction is fixed text or JSON from JSON.stringify
 * (exec form: no shell and no Dockerfile variable expansion), and the base is a validated image reference or ID, so
 * nothing a repository writes can add an instruction. The image's labels (Env and the other metadata) are not in this
 * text: the builder appends them as one last, quoted LABEL instruction (label-instruction.ts), and berth.source is a
 * digest over this text without it. Only the build label is here, right after FROM: every step image and step
 * container then carries `berth.build=<domain>`, so what a killed build leaves can be found (the final LABEL sets it
 * empty on the image).
 *
 * The repository is `app/` in the context (build-context.ts), copied to /app. Each Run.yaml volume path then gets a
 * directory owned by `volumeOwner` (sandbox.user): a fresh named volume takes the ownership of the image's directory
 * at its mount point (the engine's copy-up), so without this the app, which runs as that user on a read-only root,
 * could not write to its own volume. The COPY copies an empty directory named as the path's last component into the
 * path's parent, so that the path itself is chowned also when it exists already (the engine never chowns the target
 * directory of a COPY that existed before, only what it copies), and nothing else is touched.
 */
export function generateDockerfile(
  baseRef: string,
  run: Pick<Runfile, 'Command' | 'Setup'> & { readonly Volumes?: readonly string[]; readonly Healthcheck?: Healthcheck | undefined },
  domain: string,
  volumeOwner?: string,
): string {
  if (/[\s"'\\$]/.test(baseRef)) throw new Error(`refusing base reference ${JSON.stringify(baseRef)}`);
  if (!/^[a-z0-9._-]+$/.test(domain)) throw new Error(`refusing domain ${JSON.stringify(domain)}`);
  const volumes = run.Volumes ?? [];
  for (const p of volumes) if (!PLAIN_PATH.test(p) || p.split('/').some((c) => c === '.' || c === '..')) throw new Error(`refusing volume path ${JSON.stringify(p)}`);
  if (volumes.length > 0 && !(volumeOwner && OWNER.test(volumeOwner))) throw new Error(`refusing volume owner ${JSON.stringify(volumeOwner)}`);
  const lines = [
    `FROM ${baseRef}`,
    `LABEL ${LABELS.build}="${domain}"`,
    `WORKDIR ${WORKDIR}`,
    `COPY ${JSON.stringify([`${CONTEXT_SOURCE}/`, `${WORKDIR}/`])}`,
    ...run.Setup.map((step) => `RUN ${JSON.stringify(['/bin/sh', '-c', step])}`),
    ...volumes.map((p, i) => `COPY --chown=${volumeOwner} ${JSON.stringify([`${CONTEXT_VOLUMES}/${i}/`, p.slice(0, p.lastIndexOf('/') + 1)])}`),
    `CMD ${JSON.stringify(commandArgv(run.Command))}`,
    ...(run.Healthcheck ? [healthcheckInstruction(run.Healthcheck)] : []),
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * Run.yaml Healthcheck as the image's HEALTHCHECK. Durations are whole milliseconds rendered as `<n>ms`
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
