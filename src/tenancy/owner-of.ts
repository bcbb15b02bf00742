/** Every anonymous caller is one owner (so zero-config berth works as before); authenticated callers own by authid. */
export const ANONYMOUS_OWNER = 'anonymous';

/** The owner name of a session or caller, from its authid and authrole. */
export function ownerOf(authid: string | undefined, authrole: string | undefined): string | undefined {
  if (authrole === 'anonymous') return ANONYMOUS_OWNER;
  return authid === undefined || authid === '' ? undefined : authid;
}
