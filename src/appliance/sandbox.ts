import { z } from 'zod';
import { byteSize, formatBytes } from '../bytes.js';
import { BerthError } from '../errors.js';
import type { SandboxSpec } from '../engine/engine.js';
import { MIN_CPUS, MIN_MEMORY, type SandboxConfig } from '../sandbox-config.js';

/** `create(…, resources={memory, cpus, pids})`: a request for less than the configured caps. */
export const resourcesSchema = z
  .object({
    memory: byteSize.refine((b) => b >= MIN_MEMORY, 'must be at least 6m (the engine minimum)').optional(),
    // Below 0.01 the engine's NanoCpus rounds towards "no limit at all" (NanoCpus 1 is read as unlimited).
    cpus: z.number({ error: 'must be a number' }).min(MIN_CPUS, 'must be at least 0.01').optional(),
    pids: z.number({ error: 'must be an integer' }).int('must be an integer').min(8, 'must be ≥ 8').optional(),
  }, { error: 'must be a dictionary with memory, cpus and/or pids' })
  .strict();

export type Resources = z.infer<typeof resourcesSchema>;

/** The sandbox a new container gets: the config's defaults, lowered where the caller asked; over a cap is refused. */
export function sandboxFor(config: SandboxConfig, asked: Resources = {}): SandboxSpec {
  const over = (what: keyof Resources, value: string, cap: string) =>
    new BerthError('invalid_argument', `resources.${what} ${value} is over the cap sandbox.${what} (${cap})`, { argument: 'resources', cap: `sandbox.${what}` });
  if (asked.memory !== undefined && asked.memory > config.memory) throw over('memory', formatBytes(asked.memory), formatBytes(config.memory));
  if (asked.cpus !== undefined && asked.cpus > config.cpus) throw over('cpus', String(asked.cpus), String(config.cpus));
  if (asked.pids !== undefined && asked.pids > config.pids) throw over('pids', String(asked.pids), String(config.pids));
  return {
    user: config.user,
    memory: asked.memory ?? config.memory,
    nanoCpus: Math.round((asked.cpus ?? config.cpus) * 1e9),
    pids: asked.pids ?? config.pids,
    nofile: config.nofile,
    readOnlyRootfs: config.readOnlyRootfs,
    tmpfsSize: config.tmpfsSize,
    capAdd: config.capAdd,
    noNewPrivileges: config.noNewPrivileges,
    restartPolicy: config.restartPolicy,
    logMaxSize: config.logMaxSize,
    logMaxFiles: config.logMaxFiles,
  };
}

/** The domain's own bridge network. */
export function domainNetwork(domain: string): string {
  return `berth-${domain}`;
}
