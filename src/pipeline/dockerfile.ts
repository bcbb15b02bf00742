import type { Runfile } from './runfile.js';

/** Where the repository's build context goes in the image. */
export const WORKDIR = '/app';

/** The exec-form command of a Run.yaml Command: a string runs through /bin/sh -c. */
export function commandArgv(command: Runfile['Command']): string[] {
  return typeof command === 'string' ? ['/bin/sh', '-c', command] : [...command];
}

/**
 * The Dockerfile berth builds with, written line by line: every instruction is fixed text or JSON from JSON.stringify
 * (exec form: no shell and no Dockerfile variable expansion), and the base is a validated image reference, so nothing a
 * repository writes can add an instruction. Env and metadata go to labels through the build API, never into this text.
 */
export function generateDockerfile(baseRef: string, run: Pick<Runfile, 'Command' | 'Setup'>): string {
  if (/[\s"'\\$]/.test(baseRef)) throw new Error(`refusing base reference ${JSON.stringify(baseRef)}`);
  const lines = [
    `FROM ${baseRef}`,
    `WORKDIR ${WORKDIR}`,
    `COPY . ${WORKDIR}`,
    ...run.Setup.map((step) => `RUN ${JSON.stringify(['/bin/sh', '-c', step])}`),
    `CMD ${JSON.stringify(commandArgv(run.Command))}`,
  ];
  return `${lines.join('\n')}\n`;
}
