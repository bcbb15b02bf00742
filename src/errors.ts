/**
 * The one error registry. Inner code throws `BerthError` with a code from this table; the RPC boundary
 * (`wamp/to-wamp-error.ts`) turns it into a WAMP error with the URI below, the message as args[0] and details as kwargs.
 */
export const ERRORS = {
  invalid_argument: { uri: 'wamp.error.invalid_argument', summary: 'wrong number or type of arguments, or a malformed value' },
  not_found: { uri: 'berth.error.not_found', summary: 'no such container, image or volume in this domain' },
  already_exists: { uri: 'berth.error.already_exists', summary: 'a container of that name already exists' },
  in_use: { uri: 'berth.error.in_use', summary: 'the image is used by a container, or the volume is mounted by one' },
  engine_unavailable: { uri: 'berth.error.engine_unavailable', summary: 'the Docker engine cannot be reached' },
  invalid_url: { uri: 'berth.error.invalid_url', summary: 'the build URL is not an allowed http(s) git URL, or its host is refused' },
  clone_failed: { uri: 'berth.error.clone_failed', summary: 'the repository could not be cloned (unreachable, no such repository or ref, over the size or time limit)' },
  invalid_runfile: { uri: 'berth.error.invalid_runfile', summary: 'Run.yaml is missing, too large, not YAML, or does not match the schema' },
  build_failed: { uri: 'berth.error.build_failed', summary: 'the image build failed (a Setup step, the base, or the time limit)' },
  canceled: { uri: 'berth.error.canceled', summary: 'the build was canceled by cancelBuild' },
  busy: { uri: 'berth.error.busy', summary: 'a build of that image name is already running or queued, or the container already runs exec.perContainer execs' },
  no_such_procedure: {
    uri: 'wamp.error.no_such_procedure',
    summary: 'D/<name>/<op>: no container of that name in this domain, or no such operation (the URI a router answers for a procedure nobody registered)',
  },
  not_authorized: { uri: 'wamp.error.not_authorized', summary: 'the caller may not do this: the item belongs to another owner, or the router did not disclose who calls' },
  quota_exceeded: {
    uri: 'berth.error.quota_exceeded',
    summary: 'the caller\'s owner already has quotas.containers containers, quotas.replicas replicas beyond their first, or runs quotas.builds builds; nothing was created',
  },
  too_large: { uri: 'berth.error.too_large', summary: 'the answer would be larger than a WAMP message may be (ask for less, e.g. a smaller tail)' },
  authentication_failed: { uri: 'wamp.error.authentication_failed', summary: 'D._authenticate (Crossbar.io\'s dynamic authenticator): the authid is not a container of this domain, or the ticket is not its current one' },
  not_running: { uri: 'berth.error.not_running', summary: 'the container is not running (exec needs a running container); start it first' },
  replacement_failed: {
    uri: 'berth.error.replacement_failed',
    summary: 'updateImage or rollback: a replacement container did not start, exited or was not healthy in time; it was removed and the old container kept serving',
  },
  not_supported: {
    uri: 'berth.error.not_supported',
    summary: 'not available with engine: swarm (yet): docs/swarm.md says per procedure what Swarm cannot do; or updateImage/rollback of a container with more than one replica (not yet: scale it to 1 first)',
  },
  registry_unavailable: {
    uri: 'berth.error.registry_unavailable',
    summary: 'the registry (config registry) cannot be reached, or refused berth\'s request (credentials, deletes not enabled)',
  },
  internal: { uri: 'berth.error.internal', summary: 'an unexpected failure; logged with its context' },
} as const;

export type ErrorCode = keyof typeof ERRORS;

export class BerthError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BerthError';
  }

  get uri(): string {
    return ERRORS[this.code].uri;
  }
}

export function isBerthError(err: unknown, code?: ErrorCode): err is BerthError {
  return err instanceof BerthError && (code === undefined || err.code === code);
}

/**
 * Message templates with their kwargs, beside the codes (as fastify's createError): the errors the appliance raises in
 * more than one place, or whose wording callers rely on, are made here and nowhere else.
 */
export const failures = {
  noContainer: (name: string, domain: string) => new BerthError('not_found', `no container "${name}" in domain ${domain}`, { name }),
  noReplica: (name: string, replica: number, domain: string) => new BerthError('not_found', `container "${name}" in domain ${domain} has no replica ${replica}`, { name, replica }),
  noImage: (name: string, domain: string) => new BerthError('not_found', `no image "${name}" in domain ${domain}`, { name }),
  noRelease: (name: string, release: number, domain: string) =>
    new BerthError('not_found', `image "${name}" has no release ${release} in domain ${domain} (never built, pruned or removed); D/releases lists the kept ones`, { name, release }),
  notOnSwarm: (what: string) => new BerthError('not_supported', `${what} is not available with engine: swarm (see docs/swarm.md, "Each procedure on a swarm")`, { engine: 'swarm' }),
  replicasNotMoved: (names: string[]) =>
    new BerthError(
      'not_supported',
      `container(s) ${names.join(', ')} have more than one replica: replacing them on another image is not available yet; scale them to 1 first (nothing was replaced)`,
      { containers: names },
    ),
  notRunning: (name: string, state: string) => new BerthError('not_running', `container "${name}" is ${state}, not running; start it first`, { name, state }),
  noBuild: (name: string, domain: string) => new BerthError('not_found', `no build of "${name}" is running or queued in domain ${domain}`, { name }),
  imageGone: (name: string) => new BerthError('not_found', `the image of container "${name}" no longer exists`, { name }),
  alreadyExists: (name: string, domain: string) => new BerthError('already_exists', `a container "${name}" already exists in domain ${domain}`, { name }),
  imageInUse: (name: string, containers: string[]) =>
    new BerthError('in_use', `image "${name}" is used by ${containers.length} container(s): ${containers.join(', ')}; remove them first`, { name, containers }),
  noVolume: (name: string, domain: string) => new BerthError('not_found', `no volume "${name}" of berth in domain ${domain}`, { name }),
  volumeInUse: (name: string, containers: string[]) =>
    new BerthError('in_use', `volume "${name}" is mounted by ${containers.length} container(s): ${containers.join(', ')}; remove them first`, { name, containers }),
  /** A kept volume of another owner (or one berth did not make) that a new container of the same name would mount. */
  volumeNotYours: (volume: string, container: string, domain: string) =>
    new BerthError(
      'not_authorized',
      `volume "${volume}" (kept from an earlier container "${container}" in domain ${domain}) belongs to another owner; its owner or an admin removes it first (D/removeVolume), then the name can be created`,
      { name: container, volume },
    ),
  /** A call under `D/` that no container operation answers: what a router says for a procedure nobody registered. */
  noProcedure: (procedure: string) => new BerthError('no_such_procedure', `no procedure ${procedure}`, { procedure }),
  noContainerProcedure: (procedure: string, name: string, domain: string) =>
    new BerthError('no_such_procedure', `no container named "${name}" in domain ${domain} (no procedure ${procedure})`, { procedure, name }),
  execBusy: (name: string, limit: number) =>
    new BerthError('busy', `container "${name}" already runs ${limit} exec(s) at once (exec.perContainer); wait for one to end`, { name, limit }),
  buildBusy: (name: string, domain: string) => new BerthError('busy', `image "${name}" is already being built in domain ${domain}`, { name }),
  notYours: (kind: 'container' | 'image' | 'build', name: string, domain: string) =>
    new BerthError('not_authorized', `${kind} "${name}" in domain ${domain} belongs to another owner`, { name }),
  noCallerIdentity: (procedure: string) =>
    new BerthError(
      'not_authorized',
      `${procedure} refused: the router did not disclose who calls, and callers: owner needs it. Enable caller disclosure for calls to berth's role ` +
        `(Crossbar.io decides it by the caller's role: "disclose": {"caller": true} in the permissions of every role that calls berth), or set callers: open`,
    ),
  quotaExceeded: (what: 'containers' | 'builds' | 'replicas', owner: string, limit: number) =>
    new BerthError(
      'quota_exceeded',
      {
        containers: `owner "${owner}" already has ${limit} container(s) (quotas.containers); remove one first`,
        builds: `owner "${owner}" already runs ${limit} build(s) (quotas.builds); wait for one to finish`,
        replicas: `owner "${owner}" already has ${limit} replica(s) beyond its containers' first (quotas.replicas); scale a container down first`,
      }[what],
      { owner, quota: what, limit },
    ),
  overMaxReplicas: (replicas: number, max: number) =>
    new BerthError('invalid_argument', `replicas ${replicas} is over maxReplicas (${max})`, { argument: 'replicas', cap: 'maxReplicas' }),
  /** Replicas share nothing but the image: each would need its own copy of the volumes, which is not what Volumes mean. */
  replicasWithVolumes: (name: string, image: string) =>
    new BerthError(
      'invalid_argument',
      `container "${name}" cannot have more than one replica: its image "${image}" declares Run.yaml Volumes, which one container owns`,
      { argument: 'replicas', name },
    ),
  /** A push to config `registry` that failed: the build fails with the engine's (the registry's) own message. */
  pushFailed: (registry: string, reference: string, message: string, cause?: unknown) =>
    new BerthError('build_failed', `the push of ${reference} to registry ${registry} failed: ${message}`, { registry, reference }, { cause }),
  engineUnavailable: () => new BerthError('engine_unavailable', 'the Docker engine is unavailable; berth retries and recovers when it returns'),
  tooLarge: (procedure: string, what: string, bytes: number, limit: number) => {
    const hint = procedure.endsWith('/logs') ? 'ask for fewer lines, e.g. logs with a smaller tail' : 'ask for less';
    return new BerthError('too_large', `${what} of ${procedure} would be ${bytes} bytes, more than the ${limit} bytes an answer may have (maxResultBytes): ${hint}`, { bytes, limit });
  },
} as const;

