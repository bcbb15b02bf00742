import autobahn from 'autobahn';
import { BerthError, ERRORS } from '../errors.js';

/** The RPC boundary: every failure leaves as a registered error URI with a human message as args[0]. */
export function toWampError(err: unknown): autobahn.Error {
  const e = err instanceof BerthError ? err : new BerthError('internal', 'internal error; see the berth log', {}, { cause: err });
  return new autobahn.Error(ERRORS[e.code].uri, [e.message], { ...e.details });
}
