/** What an engine says about itself. */
export interface SystemClient {
  ping(): Promise<void>;
  /** The engine's `SecurityOptions` (`name=seccomp,profile=builtin`, `name=userns`, `name=rootless`, …). */
  fetchSecurityOptions(): Promise<string[]>;
  /**
   * Whether the engine talks plain HTTP to this registry (`host:port`): listed as insecure (`--insecure-registry`) or
   * in one of its insecure CIDRs (127.0.0.0/8 always). berth's own registry requests then use http too.
   */
  fetchRegistryInsecure(registry: string): Promise<boolean>;
}
