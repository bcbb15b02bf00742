import type { LogLine, LogStream } from './engine.js';
import { LogLines } from './log-lines.js';

/**
 * An engine's followed log stream (a container's or a service's: the same frames with timestamps) as lines, each cut at
 * `maxLineBytes`. `ended` settles when the engine ends it (the container stopped), on an error, or at `close()`.
 */
export function followLogStream(stream: NodeJS.ReadableStream & { destroy(): void }, maxLineBytes: number, onLine: (line: LogLine) => void): LogStream {
  const lines = new LogLines(maxLineBytes, onLine);
  let closed = false;
  let settle!: (err: Error | undefined) => void;
  const ended = new Promise<Error | undefined>((resolve) => (settle = resolve));
  const end = (err?: Error) => {
    if (!closed) lines.end();
    closed = true;
    settle(err);
  };
  stream.on('data', (chunk: Buffer) => closed || lines.push(chunk));
  stream.on('error', (err: Error) => end(err));
  stream.on('end', () => end());
  stream.on('close', () => end());
  return {
    ended,
    close() {
      closed = true;
      stream.destroy();
      settle(undefined);
    },
  };
}
