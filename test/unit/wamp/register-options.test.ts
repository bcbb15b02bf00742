import { WebSocketServer, type WebSocket } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log.js';
import { AutobahnSession } from '../../../src/wamp/autobahn-session.js';
import { waitFor } from '../../helpers/wait-for.js';

const [HELLO, WELCOME, REGISTER, REGISTERED] = [1, 2, 64, 65];

/** A minimal router that welcomes every HELLO and accepts every REGISTER, recording its options (a fake, unit only). */
async function recordingRouter(): Promise<{ url: string; registers: { uri: string; options: Record<string, unknown> }[]; close: () => Promise<void> }> {
  const registers: { uri: string; options: Record<string, unknown> }[] = [];
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: () => 'wamp.2.json' });
  wss.on('error', () => undefined);
  wss.on('connection', (ws: WebSocket) => {
    ws.on('error', () => undefined);
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as unknown[];
      if (msg[0] === HELLO) ws.send(JSON.stringify([WELCOME, 1, { authid: 'x', authrole: 'anonymous', roles: { dealer: {}, broker: {} } }]));
      if (msg[0] === REGISTER) {
        registers.push({ uri: msg[3] as string, options: msg[2] as Record<string, unknown> });
        ws.send(JSON.stringify([REGISTERED, msg[1], registers.length]));
      }
    });
  });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const { port } = wss.address() as { port: number };
  const close = () =>
    new Promise<void>((r) => {
      for (const c of wss.clients) c.terminate();
      wss.close(() => r());
    });
  return { url: `ws://127.0.0.1:${port}/`, registers, close };
}

describe('berth registers its procedures', () => {
  let stop: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const s of stop.reverse()) await s();
    stop = [];
  });

  it('asking for caller disclosure, so that routers that disclose only on request (nexus) tell berth who calls', async () => {
    const router = await recordingRouter();
    stop.push(router.close);
    const session = new AutobahnSession({ url: router.url, realm: 'realm1', log: createLogger('silent'), maxResultBytes: 1_000_000 });
    stop.push(() => session.stop());
    session.start();
    await Promise.all([session.register('d/list', async () => []), session.register('d/create', async () => null)]);
    await waitFor('two registrations', () => router.registers.length === 2, 5_000, 10);
    for (const r of router.registers) expect(r.options, r.uri).toMatchObject({ disclose_caller: true });
  });
});
