import { BerthError } from '../errors.js';

/** A build's signal aborted: throw its reason (a BerthError: canceled, timed out, too much output), else `canceled`. */
export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason instanceof BerthError ? signal.reason : new BerthError('canceled', 'the build was canceled');
}
