/** The appliance's view of tenancy: the config it enforces and how it reaches the router's sessions. */
export interface Tenancy {
  readonly callers: 'owner' | 'open';
  readonly adminRoles: readonly string[];
  readonly quotas: { readonly containers: number; readonly builds: number; readonly replicas: number };
  /** `containers.callAppliance`: containers may call `D/…` as their owner. */
  readonly callAppliance: boolean;
  /**
   * End every session joined with this authid (a removed container's, `D.N`): the embedded router kills them itself,
   * on Crossbar.io berth calls `wamp.session.kill_by_authid`. Never rejects (a failure is logged).
   */
  readonly revokeSessions: (authid: string) => Promise<void>;
}
