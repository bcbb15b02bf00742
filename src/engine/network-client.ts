/** Networks. */
export interface NetworkClient {
  /** The ID of the domain's bridge network, created unless it exists (inter-container traffic off when `isolate`). */
  ensureNetwork(name: string, labels: Readonly<Record<string, string>>, isolate: boolean): Promise<string>;
  /** The host's address on the engine's default bridge (where containers reach the host), if the engine says. */
  fetchBridgeGateway(): Promise<string | undefined>;
}
