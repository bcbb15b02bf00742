import type { Command } from 'commander';
import { clientCommand, run } from '../client-command.js';
import { EXIT } from '../exit-codes.js';

interface ApplianceEvent {
  event: string;
  name: string;
  time: string;
  exitCode?: number | null;
  oomKilled?: boolean;
  /** `health` events: the new state. */
  health?: string | null;
  container?: { state: string; image: string };
}

/** `berth events`: D/events live, one line per event, until Ctrl-C (exit 0) or the router goes away (exit 3). */
export function addEventsCommand(program: Command): void {
  clientCommand(program, 'events', 'print the changes of containers and images live (topic D/events) until Ctrl-C', 'print each event as one line of JSON').action(
    run(async ({ client, out, opts, uri }) => {
      const interrupted = new Promise<number>((resolve) => process.once('SIGINT', () => resolve(EXIT.ok)));
      await client.subscribe(uri('events'), ([e]) => {
        out.line(opts.json ? JSON.stringify(e) : describe(e as ApplianceEvent));
      });
      return await Promise.race([interrupted, client.untilLost()]);
    }),
  );
}

function describe(e: ApplianceEvent): string {
  const time = new Date(e.time).toLocaleTimeString('en-GB', { hour12: false });
  const details =
    e.event === 'died'
      ? `exit code ${e.exitCode ?? '?'}${e.oomKilled ? ', out of memory' : ''}`
      : e.event === 'health'
        ? String(e.health ?? 'none')
        : e.container
        ? `${e.container.state} (${e.container.image})`
        : '';
  return [time, e.event.padEnd(13), e.name, details].filter(Boolean).join('  ');
}
