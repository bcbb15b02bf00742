import { pino, type Logger, type DestinationStream } from 'pino';
import { PinoPretty } from 'pino-pretty';

export type { Logger };

/** `pretty`: lines for people (time, level, message, fields); `json`: one JSON object a line, for machines. */
export type LogFormat = 'pretty' | 'json';

/** What --log-format leaves unset means: lines for people on a terminal, JSON lines anywhere else. */
export function defaultLogFormat(stdout: { isTTY?: boolean } = process.stdout): LogFormat {
  return stdout.isTTY === true ? 'pretty' : 'json';
}

/**
 * Log lines on stdout (or a given sink, for tests): JSON lines, or pretty ones for people. Secrets are redacted wherever
 * they appear, before either format sees them.
 */
export function createLogger(level: string, sink?: DestinationStream, format: LogFormat = 'json', env: NodeJS.ProcessEnv = process.env): Logger {
  const dest = sink ?? pino.destination({ dest: 1, sync: true });
  return pino(
    {
      level,
      base: { name: 'berth' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: ['ticket', '*.ticket', 'token', '*.token', 'environment', '*.environment', 'kwargs.environment'], censor: '[redacted]' },
      // For people, an error is its message: the conditions berth logs are expected ones (an engine away, a refused
      // call), whose stack says nothing to whoever reads the terminal. JSON lines keep the whole error.
      ...(format === 'pretty' ? { serializers: { err: errorLine } } : {}),
    },
    format === 'pretty' ? prettyStream(dest, !env.NO_COLOR && process.stdout.isTTY === true && sink === undefined) : dest,
  );
}

function prettyStream(destination: DestinationStream, colorize: boolean): DestinationStream {
  return PinoPretty({ destination, sync: true, colorize, ignore: 'pid,hostname,name', translateTime: 'SYS:HH:MM:ss', singleLine: true });
}

function errorLine(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const code = (err as NodeJS.ErrnoException).code;
  return code && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
}
