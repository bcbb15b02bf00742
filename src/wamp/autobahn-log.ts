import { createRequire } from 'node:module';
import type { Logger } from '../log.js';

type Print = (...args: unknown[]) => void;

// Facts berth logs itself when they happen ("left the router" with the reason): kept at debug, never on the console.
const ALREADY_LOGGED = /^(connection closed|auto-reconnect|giving up trying to auto-reconnect)/;

/**
 * autobahn-js prints through its own `log` module (`console.warn`, bound when it loads), which would put non-JSON lines
 * into berth's output. Every such line goes into berth's pino log instead. The module is the one autobahn itself
 * loaded (same CommonJS cache), and autobahn reads `log.warn` at each call, so replacing it takes effect everywhere.
 */
export function routeAutobahnLog(log: Logger): void {
  const lib = createRequire(import.meta.url)('autobahn/lib/log.js') as { warn: Print; debug: Print };
  lib.warn = (...args) => {
    const text = args.map(show).join(' ');
    if (ALREADY_LOGGED.test(text)) log.debug({ autobahn: text }, 'autobahn');
    else log.warn({ autobahn: text }, 'autobahn');
  };
  lib.debug = (...args) => log.trace({ autobahn: args.map(String).join(' ') }, 'autobahn');
}

function show(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
