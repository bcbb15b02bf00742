import { EXIT } from './exit-codes.js';

/**
 * A failure the berth command reports as one line, `berth: <message> (<uri>)`, and exits with `exitCode`: 1 for an
 * error the fabric answered (its URI), 2 for a usage error, 3 when the router cannot be reached.
 */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly uri?: string,
    readonly exitCode: number = EXIT.failed,
  ) {
    super(message);
  }

  line(): string {
    return `berth: ${this.message}${this.uri ? ` (${this.uri})` : ''}`;
  }
}

export function usageError(message: string): CliError {
  return new CliError(message, undefined, EXIT.usage);
}
