/** What a procedure handler receives, independent of the WAMP client library. */
export interface Call {
  readonly procedure: string;
  readonly args: readonly unknown[];
  readonly kwargs: Readonly<Record<string, unknown>>;
  /** Present when the caller asked for progressive results. */
  readonly progress?: (line: unknown) => void;
  readonly caller?: { session?: number; authid?: string; authrole?: string };
}

export type Handler = (call: Call) => Promise<unknown>;
