/**
 * The router refused a register or unregister while berth was joined (e.g. another session already holds the URI, or
 * berth's role may not register it). berth logs it (the procedure stays wanted and is tried again at the next join).
 */
export class RegistrationError extends Error {
  override name = 'RegistrationError';

  constructor(
    readonly action: 'register' | 'unregister',
    readonly procedure: string,
    /** The router's error URI, e.g. `wamp.error.procedure_already_exists`. */
    readonly error: string,
    reason?: string,
  ) {
    super(`${action} ${procedure} refused by the router: ${error}${reason ? ` (${reason})` : ''}`);
  }
}
