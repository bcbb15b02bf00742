import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EmbeddedRouter, type RouterOptions } from '../../../src/router/embedded-router.js';
import { Crossbar, TEST_TICKET } from '../../helpers/crossbar.js';

export const TEMPLATE = fileURLToPath(new URL('../../fixtures/crossbar/conformance.json', import.meta.url));
export const REALM = 'xs.demo.berth';
export const MAX_MESSAGE_BYTES = 65_536;

/** One router under test. Scenarios see only this, so they cannot tell which router they talk to. */
export interface Target {
  readonly name: 'embedded' | 'crossbar';
  readonly url: string;
  readonly realm: string;
}

interface CrossbarTemplate {
  workers: { realms: RouterOptions['realms']; transports: { options: { max_message_size: number }; auth: Record<string, Record<string, unknown>> }[] }[];
}

/**
 * The embedded router's options, read from the same Crossbar.io config template the real node boots with, so both
 * routers always enforce the same realms, roles and principals.
 */
export function embeddedOptionsFromTemplate(): RouterOptions {
  const config = JSON.parse(readFileSync(TEMPLATE, 'utf8').replace('${TICKET}', TEST_TICKET).replace('"${PORT}"', '0')) as CrossbarTemplate;
  const worker = config.workers[0]!;
  const transport = worker.transports[0]!;
  const { anonymous, ticket, wampcra } = transport.auth as {
    anonymous: { role: string };
    ticket: { principals: Record<string, { ticket: string; role: string }> };
    wampcra: { users: Record<string, { secret: string; role: string; salt?: string; iterations?: number; keylen?: number }> };
  };
  return {
    listen: [{ host: '127.0.0.1', port: 0 }],
    realms: worker.realms,
    auth: { anonymous: { role: anonymous.role }, ticket: { principals: ticket.principals }, wampcra: { users: wampcra.users } },
    limits: { maxMessageBytes: transport.options.max_message_size },
  };
}

/** Both routers, booted from one template; dispose to stop both. */
export class Targets implements AsyncDisposable {
  private constructor(
    readonly embedded: EmbeddedRouter,
    readonly crossbar: Crossbar,
  ) {}

  static async start(): Promise<Targets> {
    const [embedded, crossbar] = await Promise.all([EmbeddedRouter.start(embeddedOptionsFromTemplate()), Crossbar.start({ template: TEMPLATE })]);
    return new Targets(embedded, crossbar);
  }

  get all(): Target[] {
    return [
      { name: 'embedded', url: this.embedded.urls[0]!, realm: REALM },
      { name: 'crossbar', url: this.crossbar.url, realm: REALM },
    ];
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await Promise.allSettled([this.embedded.stop(), this.crossbar[Symbol.asyncDispose]()]);
  }
}
