/** What a procedure handler receives, independent of the WAMP client library. */
export interface Call {
  readonly procedure: string;
  readonly args: readonly unknown[];
  readonly kwargs: Readonly<Record<string, unknown>>;
  /** Present when the caller asked for progressive results. */
  readonly progress?: (line: unknown) => void;
  readonly caller?: { session?: number; authid?: string; authrole?: string };
  /**
   * Aborted once nobody waits for the answer: the router interrupted the call (the caller canceled it or left; the
   * embedded router says so, autobahn on Crossbar.io cannot hear it), or a progressive result was refused as too large.
   */
  readonly signal?: AbortSignal;
}

export type Handler = (call: Call) => Promise<unknown>;
