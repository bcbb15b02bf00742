import { BerthError, type ErrorCode } from '../errors.js';

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND', 'ABORT_ERR']);

interface DockerodeError {
  statusCode?: number;
  code?: string;
  name?: string;
  json?: { message?: string } | null;
  reason?: string;
  message?: string;
}

/** The engine's own message for a failed request. */
export function engineMessage(err: unknown): string {
  const e = err as DockerodeError;
  return e.json?.message ?? e.reason ?? e.message ?? String(err);
}

/**
 * A failed engine request, typed: the berth error code it maps to, and the engine's HTTP status and own message, so that
 * callers decide on `status` (304 "already stopped", 404, 409) instead of digging in a dockerode error.
 */
export class EngineError extends BerthError {
  override name = 'EngineError';
  constructor(
    code: ErrorCode,
    message: string,
    readonly status: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(code, message, {}, options);
  }
}

/** Whether a request failed with this HTTP status from the engine. */
export function hasStatus(err: unknown, status: number): boolean {
  return err instanceof EngineError && err.status === status;
}

/** Translate a dockerode failure into a typed error; status codes a caller handles itself are checked before this. */
export function translateEngineError(err: unknown, what: string): BerthError {
  if (err instanceof BerthError) return err;
  const e = err as DockerodeError;
  if (e && (UNREACHABLE.has(e.code ?? '') || e.name === 'AbortError' || e.name === 'TimeoutError')) {
    return new EngineError('engine_unavailable', `the Docker engine is unavailable (${what}: ${e.code ?? e.name})`, undefined, { cause: err });
  }
  const status = e?.statusCode;
  switch (status) {
    case 404:
      return new EngineError('not_found', engineMessage(err), status, { cause: err });
    case 409:
      return new EngineError('in_use', engineMessage(err), status, { cause: err });
    default:
      return new EngineError('internal', `${what} failed: ${engineMessage(err)}`, status, { cause: err });
  }
}
