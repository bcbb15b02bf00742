import { ERRORS, isBerthError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Call, Handler } from '../wamp/call.js';

/**
 * One `audit` line for every call that changes something: procedure, name, caller authid and role, outcome
 * (`ok` or the error URI). Never arguments beyond the name: an environment may hold secrets.
 */
export function audited(log: Logger, name: (call: Call) => unknown, handler: Handler): Handler {
  return async (call: Call) => {
    const named = name(call);
    const entry = {
      procedure: call.procedure,
      name: typeof named === 'string' ? named.slice(0, 128) : null,
      authid: call.caller?.authid ?? null,
      authrole: call.caller?.authrole ?? null,
    };
    try {
      const result = await handler(call);
      log.info({ ...entry, outcome: 'ok' }, 'audit');
      return result;
    } catch (err) {
      log.info({ ...entry, outcome: isBerthError(err) ? err.uri : ERRORS.internal.uri }, 'audit');
      throw err;
    }
  };
}

/** The argument a procedure takes at `position` or as the keyword `key` (before validation: the audit logs refusals too). */
export function argument(position: number, key: string): (call: Call) => unknown {
  return (call) => (key in call.kwargs ? call.kwargs[key] : call.args[position]);
}
