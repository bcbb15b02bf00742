import { z } from 'zod';
import { byteSize } from './bytes.js';

/** Capabilities a config may give back (Docker's default set); anything more powerful is never granted. */
export const GRANTABLE_CAPS = [
  'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP',
  'NET_BIND_SERVICE', 'NET_RAW', 'SYS_CHROOT', 'AUDIT_WRITE', 'SETFCAP', 'MKNOD',
] as const;

/** Floors of a container's limits (config and `create(…, resources)`): below them the engine has no real limit. */
export const MIN_CPUS = 0.01;
export const MIN_MEMORY = 6 * 1024 ** 2;

/**
 * The secure environment every container gets (config key `sandbox`). memory, cpus and pids are both the default and the
 * cap: `create(…, resources={…})` may ask for less, never more. Never configurable: privileged mode, host namespaces,
 * host mounts, the Docker socket.
 */
export const sandboxSchema = z
  .object({
    memory: byteSize.refine((b) => b >= MIN_MEMORY, 'must be at least 6m').default(300 * 1024 ** 2),
    cpus: z.number().min(MIN_CPUS).max(1024).default(1),
    pids: z.number().int().min(8).max(4_194_304).default(256),
    nofile: z.number().int().min(64).max(1_048_576).default(1024),
    readOnlyRootfs: z.boolean().default(true),
    tmpfsSize: byteSize.default(64 * 1024 ** 2),
    user: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]*)?$/, 'must be user[:group]').default('65534:65534'),
    capAdd: z.array(z.enum(GRANTABLE_CAPS)).default([]),
    noNewPrivileges: z.boolean().default(true),
    restartPolicy: z.enum(['no', 'on-failure', 'always', 'unless-stopped']).default('unless-stopped'),
    logMaxSize: byteSize.default(10 * 1024 ** 2),
    logMaxFiles: z.number().int().min(1).max(100).default(3),
    /** Inter-container traffic on the domain's network. */
    isolate: z.boolean().default(true),
    stopTimeout: z.number().int().min(0).max(600).default(10),
    /**
     * Size of each Run.yaml volume, enforced where the engine can (see docs/apps.md, "Data that survives": the
     * local driver on overlay2 without project quotas cannot, and berth says so at start).
     */
    volumeSize: byteSize.refine((b) => b >= 1024 ** 2, 'must be at least 1m').default(1024 ** 3),
  })
  .strict();

export type SandboxConfig = Readonly<z.infer<typeof sandboxSchema>>;
