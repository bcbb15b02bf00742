/** Where a connection came from and in on: what the authenticator may judge besides the HELLO. */
export interface Transport {
  /** The client's `address:port`. */
  readonly peer: string;
  /** The name of the listener it connected to, if the listener has one. */
  readonly listener: string | undefined;
  /** The local address it connected to (IPv4-mapped IPv6 given as plain IPv4). */
  readonly localAddress: string;
}
