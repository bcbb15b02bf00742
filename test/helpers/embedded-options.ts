import { readFileSync } from 'node:fs';
import type { RouterOptions } from '../../src/router/embedded-router.js';
import { TEST_TICKET } from './crossbar.js';

interface CrossbarTemplate {
  workers: { realms: RouterOptions['realms']; transports: { options?: { max_message_size?: number }; auth: Record<string, Record<string, unknown>> }[] }[];
}

/**
 * The embedded router's options, read from a Crossbar.io config template that a real node boots with, so that both
 * routers enforce the same realms, roles and principals.
 */
export function embeddedOptionsFromTemplate(template: string, port = 0): RouterOptions {
  const config = JSON.parse(readFileSync(template, 'utf8').replace('${TICKET}', TEST_TICKET).replace('"${PORT}"', '0')) as CrossbarTemplate;
  const worker = config.workers[0]!;
  const transport = worker.transports[0]!;
  const { anonymous, ticket, wampcra } = transport.auth as {
    anonymous?: { role: string };
    ticket?: { principals: Record<string, { ticket: string; role: string }> };
    wampcra?: { users: Record<string, { secret: string; role: string; salt?: string; iterations?: number; keylen?: number }> };
  };
  return {
    listen: [{ host: '127.0.0.1', port }],
    realms: worker.realms,
    auth: {
      ...(anonymous ? { anonymous: { role: anonymous.role } } : {}),
      ...(ticket ? { ticket: { principals: ticket.principals } } : {}),
      ...(wampcra ? { wampcra: { users: wampcra.users } } : {}),
    },
    ...(transport.options?.max_message_size ? { limits: { maxMessageBytes: transport.options.max_message_size } } : {}),
  };
}
