import { BerthError } from '../errors.js';
import { LineSplitter } from '../pipeline/line-splitter.js';

/** One JSON message of the engine's build stream. */
interface StreamMessage {
  stream?: string;
  status?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message?: string; code?: number };
  aux?: { ID?: string };
}

/**
 * The largest JSON message accepted from the engine. It sends a step's output in pieces of at most a few tens of KiB
 * (escaped), so a longer one is not the engine's framing: the build fails instead of buffering it.
 */
const MAX_MESSAGE_BYTES = 4 * 1024 ** 2;

/**
 * Read every JSON line of a build stream: the steps' text goes to `onLine` line by line through the bounded line
 * splitter (an endless line costs at most its first 4 KiB; `onDropped` hears of the rest as it comes), `aux.ID` is the built image,
 * and an `error`/`errorDetail` anywhere fails with the engine's own message. Rejects with the signal's reason when aborted.
 */
export function readEngineStream(
  stream: NodeJS.ReadableStream,
  onLine: (line: string) => void,
  signal: AbortSignal,
  onDropped?: (bytes: number) => void,
): Promise<{ imageId: string | undefined; error: string | undefined }> {
  return new Promise((resolve, reject) => {
    let imageId: string | undefined;
    let error: string | undefined;
    let framing: Error | undefined;
    let done = false;
    const text = new LineSplitter((line) => done || onLine(line), undefined, (n) => done || onDropped?.(n));
    const handle = (raw: string, dropped: number) => {
      if (done) return;
      if (dropped > 0) {
        framing ??= new Error(`a message over ${MAX_MESSAGE_BYTES} bytes`);
        return;
      }
      let m: StreamMessage;
      try {
        m = JSON.parse(raw) as StreamMessage;
      } catch {
        text.push(`${raw}\n`);
        return;
      }
      if (typeof m.stream === 'string') text.push(m.stream);
      if (typeof m.status === 'string' && !m.progressDetail?.total) onLine([m.id, m.status].filter(Boolean).join(': ').slice(0, 4096));
      if (typeof m.aux?.ID === 'string') imageId = m.aux.ID;
      if (m.error !== undefined || m.errorDetail?.message !== undefined) {
        error ??= String(m.errorDetail?.message ?? m.error).slice(0, 4096);
        text.flush();
        onLine(`ERROR: ${error}`);
      }
    };
    const messages = new LineSplitter((raw, info) => handle(raw, info.dropped), MAX_MESSAGE_BYTES);
    const finish = (err?: unknown) => {
      if (done) return;
      done = true;
      signal.removeEventListener('abort', onAbort);
      if (!signal.aborted) {
        messages.flush();
        text.flush();
      }
      if (signal.aborted) reject(signal.reason instanceof BerthError ? signal.reason : new BerthError('canceled', 'the build was aborted'));
      else if (err) reject(new BerthError('build_failed', `the engine's build stream failed: ${(err as Error).message}`, {}, { cause: err }));
      else resolve({ imageId, error });
    };
    const onAbort = () => {
      (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
      finish();
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    stream.on('data', (chunk: Buffer) => {
      if (done) return;
      messages.push(chunk);
      if (framing) {
        (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
        finish(framing);
      }
    });
    stream.on('end', () => finish());
    stream.on('close', () => finish());
    stream.on('error', (err: Error) => finish(err));
  });
}
