import { BerthError } from '../errors.js';
import { LineSplitter } from '../pipeline/line-splitter.js';

/** One JSON message of the engine's push stream (`POST /images/{name}/push`). */
interface PushMessage {
  status?: string;
  id?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { Tag?: string; Digest?: string; Size?: number };
}

/** The largest JSON message accepted from the engine's push stream (its messages are a few hundred bytes). */
const MAX_MESSAGE_BYTES = 64 * 1024;
/** The most lines one push says: one per layer state change, so a push of a normal image stays far below it. */
const MAX_PUSH_LINES = 1_000;

/**
 * What a push stream says, message by message: the progress as short lines (one per layer state change — "Pushing" once,
 * not each byte count; a status without a layer once each), the digest of `aux.Digest`, and the first `error`/`errorDetail`
 * with the engine's own message. Pure: fed parsed messages, so it is tested without an engine.
 */
export class PushProgress {
  digest: string | undefined;
  error: string | undefined;
  private readonly states = new Map<string, string>();
  private lines = 0;

  constructor(private readonly onLine: (line: string) => void) {}

  /** One raw JSON line of the stream; a line that is not JSON is ignored (the engine sends only JSON). */
  push(raw: string): void {
    let m: PushMessage;
    try {
      m = JSON.parse(raw) as PushMessage;
    } catch {
      return;
    }
    if (typeof m !== 'object' || m === null) return;
    if (typeof m.aux?.Digest === 'string' && /^sha256:[0-9a-f]{64}$/.test(m.aux.Digest)) this.digest = m.aux.Digest;
    if (m.error !== undefined || m.errorDetail?.message !== undefined) {
      this.error ??= String(m.errorDetail?.message ?? m.error).slice(0, 4096);
      this.say(`ERROR: ${this.error}`);
      return;
    }
    if (typeof m.status !== 'string' || !m.status) return;
    const status = m.status.slice(0, 512);
    if (typeof m.id === 'string' && m.id) {
      // "Retrying in 5 seconds", "… 4 seconds": one state, whatever the count.
      const state = status.replace(/\d+/g, 'N');
      if (this.states.get(m.id) === state) return;
      this.states.set(m.id, state);
      this.say(`${m.id.slice(0, 64)}: ${status}`);
    } else {
      this.say(status);
    }
  }

  private say(line: string): void {
    if (this.lines++ < MAX_PUSH_LINES) this.onLine(line);
  }
}

/**
 * Read every line of a push stream to its end (PushProgress above). Resolves with the digest and the error the stream
 * gave; rejects with the signal's reason when aborted (the stream is destroyed: the engine then stops the push), and
 * with build_failed when the stream itself fails.
 */
export function readPushStream(stream: NodeJS.ReadableStream, onLine: (line: string) => void, signal: AbortSignal): Promise<{ digest: string | undefined; error: string | undefined }> {
  return new Promise((resolve, reject) => {
    const progress = new PushProgress(onLine);
    let framing = false;
    let done = false;
    // A message past the limit is not the engine's framing: noticed as its bytes are dropped, not at its (maybe never) end.
    const messages = new LineSplitter(
      (raw, info) => {
        if (info.dropped > 0) framing = true;
        else progress.push(raw);
      },
      MAX_MESSAGE_BYTES,
      () => (framing = true),
    );
    const destroy = () => (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      signal.removeEventListener('abort', onAbort);
      if (signal.aborted) return reject(signal.reason instanceof BerthError ? signal.reason : new BerthError('canceled', 'the push was aborted'));
      messages.flush();
      if (err) reject(new BerthError('build_failed', `the engine's push stream failed: ${err.message}`, {}, { cause: err }));
      else resolve({ digest: progress.digest, error: progress.error });
    };
    const onAbort = () => {
      destroy();
      finish();
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    stream.on('data', (chunk: Buffer) => {
      if (done) return;
      messages.push(chunk);
      if (framing) {
        destroy();
        finish(new Error(`a message over ${MAX_MESSAGE_BYTES} bytes`));
      }
    });
    stream.on('end', () => finish());
    stream.on('close', () => finish());
    stream.on('error', (err: Error) => finish(err));
  });
}
