import { BerthError } from '../errors.js';

/** One JSON message of the engine's build or pull stream. */
interface StreamMessage {
  stream?: string;
  status?: string;
  id?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message?: string; code?: number };
  aux?: { ID?: string };
}

/**
 * Read every JSON line of a build or pull stream: text goes to `onLine` line by line, `aux.ID` is the built image, and an
 * `error`/`errorDetail` anywhere fails with the engine's own message. Rejects with the signal's reason when aborted.
 */
export function readEngineStream(
  stream: NodeJS.ReadableStream,
  onLine: (line: string) => void,
  signal: AbortSignal,
): Promise<{ imageId: string | undefined; error: string | undefined }> {
  return new Promise((resolve, reject) => {
    let rest = '';
    let text = '';
    let imageId: string | undefined;
    let error: string | undefined;
    let done = false;
    const emitText = (s: string, flush = false) => {
      const parts = (text + s).split('\n');
      text = flush ? '' : (parts.pop() ?? '');
      for (const p of parts) if (p.trim()) onLine(p.trimEnd());
    };
    const handle = (raw: string) => {
      if (!raw.trim()) return;
      let m: StreamMessage;
      try {
        m = JSON.parse(raw) as StreamMessage;
      } catch {
        emitText(`${raw}\n`);
        return;
      }
      if (m.stream !== undefined) emitText(m.stream);
      if (m.status !== undefined && !m.progressDetail?.total) onLine([m.id, m.status].filter(Boolean).join(': '));
      if (m.aux?.ID) imageId = m.aux.ID;
      if (m.error !== undefined || m.errorDetail?.message !== undefined) {
        error ??= m.errorDetail?.message ?? m.error;
        emitText('', true);
        onLine(`ERROR: ${error}`);
      }
    };
    const finish = (err?: unknown) => {
      if (done) return;
      done = true;
      signal.removeEventListener('abort', onAbort);
      if (rest) handle(rest);
      emitText('', true);
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
      const lines = (rest + chunk.toString('utf8')).split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) handle(l);
    });
    stream.on('end', () => finish());
    stream.on('close', () => finish());
    stream.on('error', (err: Error) => finish(err));
  });
}
