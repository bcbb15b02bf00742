import type Dockerode from 'dockerode';
import { hasStatus, translateEngineError } from './engine-error.js';

/** Every request to the engine has a deadline; a hung engine reads as unavailable. */
const REQUEST_TIMEOUT_MS = 30_000;

/** The one way berth asks the engine anything: with a deadline, failures translated into typed engine errors. */
export class DockerRequests {
  constructor(readonly docker: Dockerode) {}

  async request<T>(what: string, fn: (signal: AbortSignal) => Promise<T>, timeoutMs = REQUEST_TIMEOUT_MS): Promise<T> {
    const signal = AbortSignal.timeout(timeoutMs);
    // Not every dockerode call honours the signal, so the deadline is also raced here.
    const deadline = new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
    try {
      return await Promise.race([fn(signal), deadline]);
    } catch (err) {
      throw translateEngineError(err, what);
    }
  }

  /** A request whose listed status codes mean "already so" and count as success (stop → 304, remove → 404). */
  async tolerate(codes: number[], what: string, fn: (signal: AbortSignal) => Promise<unknown>, timeoutMs?: number): Promise<void> {
    try {
      await this.request(what, fn, timeoutMs);
    } catch (err) {
      if (codes.some((code) => hasStatus(err, code))) return;
      throw err;
    }
  }
}
