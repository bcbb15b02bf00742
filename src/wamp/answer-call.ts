import type autobahn from 'autobahn';
import { BerthError, failures } from '../errors.js';
import type { Logger } from '../log.js';
import type { Call, Handler } from './call.js';
import { toWampError } from './to-wamp-error.js';

/** One invocation as the router delivered it, whichever session kind carried it. */
export interface Invocation {
  readonly procedure: string;
  readonly args: readonly unknown[];
  readonly kwargs: Readonly<Record<string, unknown>>;
  readonly caller?: Call['caller'];
  /** Sends one progressive result (YIELD with `progress: true`); present when the caller asked for them. */
  readonly progress?: (args: unknown[]) => void;
  /** Aborted when the router interrupts the invocation (the caller canceled or left). */
  readonly signal?: AbortSignal;
}

export interface AnswerOptions {
  readonly log: Logger;
  /** The most a result, progressive result or error may weigh as JSON (`maxResultBytes`). */
  readonly maxResultBytes: number;
  /** Told of every answer once it is decided (metrics): the URI called, `ok` or the error URI, seconds taken. */
  readonly onAnswered?: (procedure: string, outcome: string, seconds: number) => void;
}

/**
 * The RPC boundary shared by both session kinds: run the handler, log the call, and shape the answer. It resolves with
 * the result value (sent as args `[value]`) or rejects with an `autobahn.Error` carrying a registered error URI.
 * Every answer is measured as JSON first: one over `maxResultBytes` becomes `berth.error.too_large`, so no router ever
 * sees a frame it would reject by closing berth's session. A progressive result over the limit ends the call at once
 * with that error; the handler keeps running (as it would for a caller that left) and its outcome is dropped.
 */
export async function answerCall(handler: Handler | undefined, inv: Invocation, options: AnswerOptions): Promise<unknown> {
  const { log, maxResultBytes } = options;
  const started = process.hrtime.bigint();
  let refuse: ((err: BerthError) => void) | undefined;
  const refused = new Promise<never>((_, reject) => (refuse = reject));
  refused.catch(() => undefined); // handled by the race below; a refusal before the race exists is not "unhandled"
  let refusal: BerthError | undefined;
  let stopped = false;
  const progress = inv.progress;
  const gone = new AbortController();
  inv.signal?.addEventListener('abort', () => gone.abort(inv.signal?.reason), { once: true });
  const call: Call = {
    procedure: inv.procedure,
    args: inv.args,
    kwargs: inv.kwargs,
    caller: inv.caller,
    signal: gone.signal,
    progress: progress
      ? (line) => {
          if (stopped) return;
          const bytes = jsonBytes([line]);
          if (bytes > maxResultBytes) {
            stopped = true;
            refusal = tooLarge(inv.procedure, 'a progressive result', bytes, maxResultBytes);
            gone.abort(refusal);
            return refuse!(refusal);
          }
          progress([line]);
        }
      : undefined,
  };
  try {
    if (!handler) throw new Error(`no handler for ${inv.procedure}`);
    const work = handler(call);
    work.catch(() => undefined); // when a refused progress wins the race, the handler's own failure is not the answer
    const value = (await (progress ? Promise.race([work, refused]) : work)) ?? null;
    stopped = true;
    if (refusal) throw refusal; // the handler finished after its refused progress, but before the race looked
    const bytes = jsonBytes([value]);
    if (bytes > maxResultBytes) throw tooLarge(inv.procedure, 'the result', bytes, maxResultBytes);
    log.debug({ procedure: inv.procedure, ms: elapsedMs(started) }, 'call');
    options.onAnswered?.(inv.procedure, 'ok', elapsedMs(started) / 1000);
    return value;
  } catch (err) {
    stopped = true;
    let wampError = toWampError(err);
    const bytes = jsonBytes([wampError.args, wampError.kwargs]);
    if (bytes > maxResultBytes) wampError = toWampError(tooLarge(inv.procedure, 'the error', bytes, maxResultBytes));
    // A call to a procedure berth does not have (`D/<unknown>/top`) was the router's to answer before berth served
    // `D/` as a prefix: it is no failure of berth's, and a caller probing names must not fill the log.
    const level = wampError.error === 'berth.error.internal' ? 'error' : wampError.error === 'wamp.error.no_such_procedure' ? 'debug' : 'warn';
    log[level]({ procedure: inv.procedure, error: wampError.error, message: wampError.args[0], err: level === 'error' ? err : undefined, ms: elapsedMs(started) }, 'call failed');
    options.onAnswered?.(inv.procedure, wampError.error, elapsedMs(started) / 1000);
    throw wampError satisfies autobahn.Error;
  }
}

/** The size a value takes in a `wamp.2.json` frame (a value that cannot be serialized fails here, as `internal`). */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? 'null', 'utf8');
}

const tooLarge = (procedure: string, what: string, bytes: number, limit: number): BerthError => failures.tooLarge(procedure, what, bytes, limit);

function elapsedMs(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e6;
}
