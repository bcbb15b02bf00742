import { BerthError } from '../errors.js';

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

export function statusOf(err: unknown): number | undefined {
  return (err as DockerodeError)?.statusCode;
}

/** Translate a dockerode failure into a typed error; status codes a caller handles itself are checked before this. */
export function translateEngineError(err: unknown, what: string): BerthError {
  if (err instanceof BerthError) return err;
  const e = err as DockerodeError;
  if (e && (UNREACHABLE.has(e.code ?? '') || e.name === 'AbortError' || e.name === 'TimeoutError')) {
    return new BerthError('engine_unavailable', `the Docker engine is unavailable (${what}: ${e.code ?? e.name})`, {}, { cause: err });
  }
  switch (e?.statusCode) {
    case 404:
      return new BerthError('not_found', engineMessage(err), {}, { cause: err });
    case 409:
      return new BerthError('in_use', engineMessage(err), {}, { cause: err });
    default:
      return new BerthError('internal', `${what} failed: ${engineMessage(err)}`, {}, { cause: err });
  }
}
