import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

/** JSON lines on stdout (or a given sink, for tests). Secrets are redacted wherever they appear. */
export function createLogger(level: string, sink?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { name: 'berth' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: ['ticket', '*.ticket', 'environment', '*.environment', 'kwargs.environment'], censor: '[redacted]' },
    },
    sink ?? pino.destination({ dest: 1, sync: true }),
  );
}
