import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliError } from '../../../src/cli/cli-error.js';
import { leadingConnectionArgs } from '../../../src/cli/connection.js';
import { createProgram } from '../../../src/cli/program.js';

/**
 * `berth --router U --domain D ps` (the connection options before the command, as `docker -H URL ps`): the command
 * joins U. A plain HTTP server stands for U: it records the WebSocket upgrade berth sends (and refuses it), so the test
 * sees which address the command went to.
 */
describe('connection options before the command', () => {
  let server: Server;
  let url: string;
  const upgrades: string[] = [];

  beforeAll(async () => {
    server = createServer((_, res) => res.writeHead(404).end());
    server.on('upgrade', (req, socket) => {
      upgrades.push(req.url ?? '');
      socket.on('error', () => undefined);
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/before`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const parse = async (argv: string[]) => {
    const program = createProgram('0.0.0', async () => undefined);
    return program.parseAsync(argv, { from: 'user' }).then(
      () => undefined,
      (err: unknown) => err,
    );
  };

  it('berth --router U --domain D ps reaches U', async () => {
    upgrades.length = 0;
    const err = await parse(['--router', url, '--domain', 'frdomain', 'ps']);
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).message).toContain(url);
    expect(upgrades).toEqual(['/before']);
  });

  it('--router=U before the command works too, and the command\'s own --router wins over the one before it', async () => {
    upgrades.length = 0;
    await parse([`--router=${url}`, 'images']);
    expect(upgrades).toEqual(['/before']);
    upgrades.length = 0;
    const err = await parse(['--router', 'ws://127.0.0.1:1/ws', 'ps', '--router', url.replace('/before', '/after')]);
    expect((err as CliError).message).toContain('/after');
    expect(upgrades).toEqual(['/after']);
  });

  it('a bad value before the command is a usage error naming the option', async () => {
    const err = await parse(['--domain', 'Bad Domain', 'ps']);
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).exitCode).toBe(2);
    expect((err as CliError).message).toMatch(/--domain \(BERTH_DOMAIN\)/);
  });

  it('leadingConnectionArgs counts the connection options before the command', () => {
    expect(leadingConnectionArgs(['--router', 'ws://x/ws', '--domain', 'd', 'ps', '-a'])).toBe(4);
    expect(leadingConnectionArgs(['--router=ws://x/ws', 'ps'])).toBe(1);
    expect(leadingConnectionArgs(['ps', '--router', 'ws://x/ws'])).toBe(0);
    expect(leadingConnectionArgs(['--listen', '127.0.0.1:1'])).toBe(0);
    expect(leadingConnectionArgs(['--router'])).toBe(0);
  });
});
