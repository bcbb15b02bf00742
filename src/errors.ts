/**
 * The one error registry. Inner code throws `BerthError` with a code from this table; the RPC boundary
 * (`wamp/to-wamp-error.ts`) turns it into a WAMP error with the URI below, the message as args[0] and details as kwargs.
 */
export const ERRORS = {
  invalid_argument: { uri: 'wamp.error.invalid_argument', summary: 'wrong number or type of arguments, or a malformed value' },
  not_found: { uri: 'berth.error.not_found', summary: 'no such container or image in this domain' },
  already_exists: { uri: 'berth.error.already_exists', summary: 'a container of that name already exists' },
  in_use: { uri: 'berth.error.in_use', summary: 'the image is used by a container' },
  engine_unavailable: { uri: 'berth.error.engine_unavailable', summary: 'the Docker engine cannot be reached' },
  invalid_url: { uri: 'berth.error.invalid_url', summary: 'the build URL is not an allowed http(s) git URL, or its host is refused' },
  clone_failed: { uri: 'berth.error.clone_failed', summary: 'the repository could not be cloned (unreachable, no such repository or ref, over the size or time limit)' },
  invalid_runfile: { uri: 'berth.error.invalid_runfile', summary: 'Run.yaml is missing, too large, not YAML, or does not match the schema' },
  build_failed: { uri: 'berth.error.build_failed', summary: 'the image build failed (a Setup step, the base, or the time limit)' },
  canceled: { uri: 'berth.error.canceled', summary: 'the build was canceled by cancelBuild' },
  busy: { uri: 'berth.error.busy', summary: 'a build of that image name is already running or queued' },
  registration_failed: { uri: 'berth.error.registration_failed', summary: 'the router refused to register a container\'s procedures; the container was not created' },
  too_large: { uri: 'berth.error.too_large', summary: 'the answer would be larger than a WAMP message may be (ask for less, e.g. a smaller tail)' },
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
