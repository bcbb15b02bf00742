import { readFileSync } from 'node:fs';
import { load as loadYaml } from 'js-yaml';
import { z } from 'zod';
import { byteSize } from './bytes.js';
import { sandboxSchema } from './sandbox-config.js';
import { basesSchema, buildSchema, DEFAULT_BASES } from './pipeline/build-config.js';
import { embeddedRouterSchema, tenancySchema } from './tenancy/tenancy-config.js';

/**
 * A domain is a dot-separated WAMP URI prefix that is also a valid Docker repository path component (so that it can name
 * containers, networks and image repositories): lowercase words joined by ".", "_", "__" or dashes.
 */
export const DOMAIN_PATTERN = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

const LISTEN_PATTERN = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/;

const wsUrl = z
  .string()
  .url()
  .refine((u) => /^wss?:\/\//.test(u), 'must be a ws:// or wss:// URL');

/** A boolean option: true/false in the config file; as a flag or variable also "1"/"0", "yes"/"no". */
const flagBoolean = z.preprocess(
  (v) => (typeof v === 'string' ? ({ true: true, '1': true, yes: true, false: false, '0': false, no: false } as Record<string, boolean>)[v.toLowerCase()] ?? v : v),
  z.boolean({ error: 'must be true or false' }),
);

export const configSchema = z
  .object({
    router: wsUrl.optional(),
    realm: z.string().min(1).max(255).regex(/^[^\s#]+$/, 'must be a realm name without whitespace or #').default('realm1'),
    domain: z
      .string()
      .max(128)
      .regex(DOMAIN_PATTERN, 'must be lowercase dot-separated words of [a-z0-9_-], such as "berth" or "xs.demo.berth"')
      .default('berth'),
    authid: z.string().min(1).optional(),
    ticket: z.string().min(1).optional(),
    dockerHost: z
      .string()
      .regex(/^(unix|tcp|http|https):\/\//, 'must be unix:///path or tcp://host:port')
      .optional(),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Log lines for people (pino-pretty) or JSON lines; unset: for people when stdout is a terminal, JSON otherwise. */
    logFormat: z.enum(['pretty', 'json']).optional(),
    /**
     * Start even when nothing answers at --docker-host (calls answer engine_unavailable until the engine appears), for
     * a berth started before its engine. Without it berth exits 2 saying so.
     */
    waitForEngine: flagBoolean.default(false),
    containerRouterUrl: wsUrl.optional(),
    listen: z
      .string()
      .regex(LISTEN_PATTERN, 'must be host:port (such as 127.0.0.1:8080 or [::1]:8080)')
      .refine((v) => Number(v.slice(v.lastIndexOf(':') + 1)) <= 65535, 'port must be at most 65535')
      .default('127.0.0.1:8080'),
    /**
     * The dashboard: `--http HOST:PORT` serves it on a listener of its own (the way to get it with an external
     * router); without it, the embedded router serves it on --listen. `dashboard: false` turns it off.
     */
    http: z
      .string()
      .regex(LISTEN_PATTERN, 'must be host:port (such as 127.0.0.1:8081 or [::1]:8081)')
      .refine((v) => Number(v.slice(v.lastIndexOf(':') + 1)) <= 65535, 'port must be at most 65535')
      .optional(),
    /** The router URL the dashboard's page connects to; default the --router URL, or the page's own origin on the embedded router. */
    publicRouterUrl: wsUrl.optional(),
    dashboard: z.boolean().default(true),
    sandbox: sandboxSchema.default(sandboxSchema.parse({})),
    bases: basesSchema.default(DEFAULT_BASES),
    build: buildSchema.default(buildSchema.parse({})),
    /** The embedded router (without --router): its limits (docs/router.md) and its users (README, "Users and owners"). */
    embeddedRouter: embeddedRouterSchema.prefault({}),
    ...tenancySchema,
    /**
     * The most an answer (result, progressive result, error, event) of berth may weigh as JSON; a larger one is refused
     * with berth.error.too_large. Below the 1 MiB routers usually allow per message, so no router ever drops berth's
     * session for an answer that is too large.
     */
    maxResultBytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(1_000_000),
    /** `D/<name>/logs`: a line longer than `maxLineBytes` is cut (so one endless line cannot grow memory). */
    logs: z.strictObject({ maxLineBytes: z.number().int().min(256).max(256 * 1024).default(16_384) }).prefault({}),
    /** `D/<name>/exec`: output kept per exec, the longest timeout a caller may ask, execs at once per container. */
    exec: z
      .strictObject({
        maxOutputBytes: byteSize.refine((b) => b >= 1024, 'must be at least 1k').default(1024 ** 2),
        maxTimeout: z.number().int('must be an integer').min(1).max(86_400).default(3600),
        perContainer: z.number().int('must be an integer').min(1).max(64).default(4),
      })
      .prefault({}),
    /**
     * Replacing a container (updateImage, rollback): a replacement without a health check must still be
     * running `settleSeconds` after it started before the old one goes.
     */
    update: z.strictObject({ settleSeconds: z.number().min(0).max(300).default(2) }).prefault({}),
    /** The most replicas one container may have (D/create's `replicas`, D/<name>/scale); more is invalid_argument. */
    maxReplicas: z.number().int('must be an integer').min(1, 'must be at least 1').max(64, 'must be at most 64').default(8),
    /**
     * `docker` runs containers on one engine (--docker-host); `swarm` runs each as a one-replica service of the
     * Docker Swarm whose manager --docker-host is, with images pushed to `registry` and referenced by digest.
     */
    /**
     * `GET /metrics` (Prometheus text format) on berth's HTTP listener (docs/metrics.md): off unless enabled, and then
     * only with `Authorization: Bearer <token>` (config file only: never a flag, whose value other users can read).
     */
    metrics: z
      .strictObject({
        enabled: z.boolean().default(false),
        token: z.string().min(16, 'must be at least 16 characters').max(1024).regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces').optional(),
      })
      .prefault({}),
    engine: z.enum(['docker', 'swarm']).default('docker'),
    /** The registry (host:port) every build is pushed to, required with `engine: swarm`. */
    registry: z
      .string()
      .regex(LISTEN_PATTERN, 'must be host:port (such as 10.0.0.1:5000 or registry.example:5000)')
      .refine((v) => Number(v.slice(v.lastIndexOf(':') + 1)) <= 65535, 'port must be at most 65535')
      .optional(),
    /** Credentials for `registry` (config file only: never a flag, whose value other users of the machine can read). */
    registryAuth: z.strictObject({ username: z.string().min(1), password: z.string().min(1) }).optional(),
    /** Seconds each request to the registry's HTTP API (deleting, listing, looking up manifests) may take. */
    registryTimeout: z.number().int('must be an integer').min(1, 'must be at least 1').max(600, 'must be at most 600').default(15),
    swarm: z
      .strictObject({
        /**
         * Each node's own engine (node hostname → unix:///path or https://host:port), for what only a node's engine does
         * (top and exec of a task on that node); the manager's is --docker-host.
         */
        nodes: z.record(z.string().min(1), z.string().regex(/^(unix:\/\/\/|https:\/\/)/, 'must be unix:///path or https://host:port')).default({}),
        /** TLS files for https:// node engines (client certificate, as dockerd --tlsverify wants). */
        tls: z.strictObject({ ca: z.string().min(1), cert: z.string().min(1), key: z.string().min(1) }).optional(),
        /**
         * An image in the registry with `cat` (e.g. `10.0.0.1:5000/library/busybox:1`): at start berth runs it once on
         * every node to check that the node's daemon enforces no-new-privileges (a service cannot ask for it).
         */
        probeImage: z.string().min(1).max(512).optional(),
        /**
         * At start, also check from every node that its tasks reach none of the swarm's own ports (7946 of every node,
         * 2377 of the managers: closed to tasks by the rule in the README, which also closes VXLAN's 4789); refuse to
         * run otherwise. Needs `sh` and `nc` in probeImage (busybox). false: for overlays protected otherwise (encrypted).
         */
        checkPorts: z.boolean().default(true),
        /** How often berth asks the manager for its services' tasks (Docker has no task events). */
        pollMs: z.number().int().min(100).max(60_000).default(1000),
        /** How long start/restart/create wait for a service's task to run (scheduling and the node's pull included). */
        startTimeoutSeconds: z.number().int().min(5).max(3600).default(120),
      })
      .prefault({}),
  })
  .strict()
  .refine((c) => c.engine !== 'swarm' || c.swarm.probeImage !== undefined, {
    message: "is required with --engine swarm: an image in the registry with cat, sh and nc (busybox), run once on every node to check that its daemon enforces no-new-privileges and its tasks reach none of the swarm's ports",
    path: ['swarm', 'probeImage'],
  })
  .refine((c) => c.engine !== 'swarm' || (c.containerRouterUrl !== undefined && !/^(localhost|127\.[\d.]+|\[::1?\]|0\.0\.0\.0)$/i.test(new URL(c.containerRouterUrl).hostname)), {
    message: 'is required with --engine swarm: the router as a container on any node reaches it (not a loopback address)',
    path: ['containerRouterUrl'],
  })
  .refine((c) => c.engine !== 'swarm' || c.registry !== undefined, { message: 'is required with --engine swarm (every node pulls the images from it)', path: ['registry'] })
  .refine((c) => !c.metrics.enabled || c.metrics.token !== undefined, {
    message: 'is required with metrics.enabled: scrapers send it as Authorization: Bearer <token> (at least 16 characters)',
    path: ['metrics', 'token'],
  })
  .refine((c) => c.ticket === undefined || c.authid !== undefined, { message: 'is required with a ticket', path: ['authid'] })
  // A user named like a container's authid (D.N) would pass for that container's owner or be mistaken for it.
  .refine((c) => [...Object.keys(c.embeddedRouter.tickets), ...Object.keys(c.embeddedRouter.wampcra)].every((id) => !id.startsWith(`${c.domain}.`) && id !== 'anonymous'), {
    message: 'user authids must not start with the domain and a dot (those are the containers\' authids) nor be "anonymous" (the owner of every anonymous caller)',
    path: ['embeddedRouter'],
  });

export type Config = Readonly<z.infer<typeof configSchema>>;
export type ExecConfig = Config['exec'];
export type UpdateConfig = Config['update'];

/** How each config key is spelled as a flag and as an environment variable. */
export const OPTIONS = {
  router: { flag: 'router', env: 'BERTH_ROUTER' },
  realm: { flag: 'realm', env: 'BERTH_REALM' },
  domain: { flag: 'domain', env: 'BERTH_DOMAIN' },
  authid: { flag: 'authid', env: 'BERTH_AUTHID' },
  ticket: { flag: 'ticket', env: 'BERTH_TICKET' },
  dockerHost: { flag: 'docker-host', env: 'DOCKER_HOST' },
  logLevel: { flag: 'log-level', env: 'BERTH_LOG_LEVEL' },
  logFormat: { flag: 'log-format', env: 'BERTH_LOG_FORMAT' },
  waitForEngine: { flag: 'wait-for-engine', env: 'BERTH_WAIT_FOR_ENGINE', boolean: true },
  containerRouterUrl: { flag: 'container-router-url', env: 'BERTH_CONTAINER_ROUTER_URL' },
  listen: { flag: 'listen', env: 'BERTH_LISTEN' },
  http: { flag: 'http', env: 'BERTH_HTTP' },
  publicRouterUrl: { flag: 'public-router-url', env: 'BERTH_PUBLIC_ROUTER_URL' },
  engine: { flag: 'engine', env: 'BERTH_ENGINE' },
  registry: { flag: 'registry', env: 'BERTH_REGISTRY' },
} as const satisfies Record<string, { flag: string; env: string; boolean?: true }>;

export type OptionKey = keyof typeof OPTIONS;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Merge defaults < config file < environment < flags, validate once, freeze. */
export function resolveConfig(
  flags: Partial<Record<OptionKey, string>>,
  env: NodeJS.ProcessEnv,
  configFile?: string,
): Config {
  const merged: Record<string, unknown> = configFile ? readConfigFile(configFile) : {};
  for (const [key, spelling] of Object.entries(OPTIONS)) {
    const fromEnv = env[spelling.env];
    if (fromEnv !== undefined && fromEnv !== '') merged[key] = fromEnv;
    const fromFlag = flags[key as OptionKey];
    if (fromFlag !== undefined) merged[key] = fromFlag;
  }
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(describeIssue(issue, merged));
  }
  return Object.freeze(parsed.data) as Config;
}

function describeIssue(issue: z.core.$ZodIssue, merged: Record<string, unknown>): string {
  if (issue.code === 'unrecognized_keys') return `unknown config key "${issue.keys.join('", "')}"`;
  const key = String(issue.path[0] ?? '');
  const spelling = OPTIONS[key as OptionKey];
  const where = spelling ? `--${spelling.flag} (${spelling.env})` : `config key ${issue.path.map(String).join('.')}`;
  // Only scalar options are echoed: a file block may hold secrets (embeddedRouter's users), and a ticket always is one.
  const value = merged[key];
  const shown = key === 'ticket' || value === undefined || (typeof value === 'object' && value !== null) ? '' : ` (got ${JSON.stringify(value)})`;
  return `invalid option ${where}: ${issue.message}${shown}`;
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`invalid option --config: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  let doc: unknown;
  try {
    doc = loadYaml(text);
  } catch (err) {
    throw new ConfigError(`invalid option --config: ${path} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (doc === undefined || doc === null) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(`invalid option --config: ${path} must hold a mapping`);
  return { ...(doc as Record<string, unknown>) };
}

/** `--listen host:port` as a host and a port ("[::1]:8080" → "::1", 8080). */
export function parseListen(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':');
  return { host: listen.slice(0, i).replace(/^\[(.*)\]$/, '$1'), port: Number(listen.slice(i + 1)) };
}
