import { BerthError } from '../errors.js';
import { KeptLines } from './kept-lines.js';

/** Where a build's output goes: whole lines, and the bytes the line splitter cut off (both count towards the limit). */
export type Emit = ((line: string) => void) & { dropped: (bytes: number) => void };

/**
 * A build's output: each line goes to `onLine` and is kept (KeptLines) for the build's answer, until the output passes
 * `maxOutputBytes` (build.maxOutputBytes), which aborts the build; after an abort, nothing more is passed on.
 */
export function buildOutput(name: string, maxOutputBytes: number, controller: AbortController, onLine: (line: string) => void): { emit: Emit; kept: KeptLines } {
  const kept = new KeptLines();
  let outputBytes = 0;
  // Lines arrive already cut by the line splitter; what it cut off still counts towards build.maxOutputBytes.
  const count = (bytes: number) => {
    outputBytes += bytes;
    if (outputBytes <= maxOutputBytes || controller.signal.aborted) return true;
    controller.abort(new BerthError('build_failed', `the build's output passed ${maxOutputBytes} bytes (build.maxOutputBytes)`, { name, maxOutputBytes }));
    return false;
  };
  const emit: Emit = Object.assign(
    (line: string) => {
      if (controller.signal.aborted || !count(Buffer.byteLength(line) + 1)) return;
      kept.add(line);
      onLine(line);
    },
    { dropped: (bytes: number) => void count(bytes) },
  );
  return { emit, kept };
}
