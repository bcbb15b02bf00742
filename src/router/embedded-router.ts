import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { createLogger, type Logger } from '../log.js';
import { staticAuthenticator } from './authenticate.js';
import { staticAuthorizer } from './authorize.js';
import { LocalPeer } from './local-peer.js';
import type { OriginPolicy } from './origin-policy.js';
import { Realm } from './realm.js';
import { parseRouterConfig, type RouterConfig, type RouterOptions } from './router-config.js';
import { RouterSession, type SessionContext } from './router-session.js';
import { RouterStats, type RouterSnapshot } from './router-stats.js';
import { chooseSubprotocol, serializerFor } from './serializer.js';

export type { RouterOptions } from './router-config.js';

const STOP_TIMEOUT_MS = 3_000;

/**
 * berth's embedded WAMP v2 router: WebSocket with JSON, msgpack or CBOR, a dealer and a broker per realm, Crossbar.io-style static
 * authentication and authorization behind replaceable hooks.
 */
export class EmbeddedRouter {
  private readonly sessions = new Set<RouterSession>();
  private readonly stats = new RouterStats();
  /** Open connections (upgrading or WebSocket) per remote address, and in total. */
  private readonly perAddress = new Map<string, number>();
  private connections = 0;
  private pingTimer: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;
  private lastRefusalLog = 0;
  private lastOriginLog = 0;
  private allowOrigin: OriginPolicy = () => false;
  private realms: ReadonlyMap<string, Realm> = new Map();
  private accept: (ws: WebSocket, req: IncomingMessage, listener: string | undefined) => void = () => undefined;

  private constructor(
    readonly urls: string[],
    private readonly servers: Server[],
    private readonly wss: WebSocketServer,
    private readonly log: Logger,
  ) {}

  /** Listen on every configured address; resolves once all accept connections. */
  static async start(options: RouterOptions): Promise<EmbeddedRouter> {
    const config = parseRouterConfig(options);
    const log = (options.logger ?? createLogger('silent')).child({ component: 'router' });
    const authorize = options.authorize ?? staticAuthorizer(config.realms);
    const realms = new Map(config.realms.map((r) => [r.name, new Realm(r, authorize, config.limits, log)] as const));
    const authenticate =
      options.authenticate ??
      staticAuthenticator(config.auth, { hasRealm: (name) => realms.has(name), hasRole: (name, role) => realms.get(name)?.hasRole(role) ?? false });

    const servers: Server[] = [];
    const urls: string[] = [];
    const wss = new WebSocketServer({
      noServer: true,
      maxPayload: config.limits.maxMessageBytes,
      handleProtocols: (protocols) => chooseSubprotocol(protocols) ?? false,
    });
    const router = new EmbeddedRouter(urls, servers, wss, log);
    const ctx: SessionContext = { realms, authenticate, limits: config.limits, log, stats: router.stats };
    router.realms = realms;
    if (options.allowOrigin) router.allowOrigin = options.allowOrigin;
    router.accept = (ws, req, listener) => {
      const transport = { peer: `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? 0}`, listener, localAddress: plainAddress(req.socket.localAddress) };
      const session = new RouterSession(ws, ctx, transport, serializerFor(ws.protocol)!, req.socket);
      router.sessions.add(session);
      ws.once('close', () => router.sessions.delete(session));
    };
    try {
      for (const listener of config.listen) {
        const http = listener.name ? options.http?.[listener.name] : undefined;
        const server = createServer(http ?? ((_req, res) => res.writeHead(426, { 'content-type': 'text/plain' }).end('WAMP over WebSocket only\n')));
        // A backstop under the upgrade caps below: connections that never upgrade (or never finish their request
        // headers) cannot use up the file descriptors either. The slack lets a refused upgrade still get its 503.
        server.maxConnections = config.limits.maxConnections + 64;
        server.headersTimeout = config.limits.handshakeTimeoutMs;
        server.requestTimeout = config.limits.handshakeTimeoutMs;
        server.on('upgrade', (req, socket, head) => router.upgrade(config, listener.name, req, socket, head));
        servers.push(server);
        const port = await listen(server, listener.host, listener.port);
        urls.push(`ws://${listener.host.includes(':') ? `[${listener.host}]` : listener.host}:${port}${config.path}`);
      }
    } catch (err) {
      await router.stop();
      throw err;
    }
    if (config.limits.pingIntervalMs > 0) {
      router.pingTimer = setInterval(() => router.sessions.forEach((s) => s.ping()), config.limits.pingIntervalMs);
      router.pingTimer.unref();
    }
    log.info({ urls, realms: [...realms.keys()] }, 'router listening');
    return router;
  }

  /** The counters and the gauges of this moment, for metrics (computed here, when scraped, not per message). */
  snapshot(): RouterSnapshot {
    let sessions = 0;
    let queuedBytes = 0;
    for (const s of this.sessions) {
      if (s.joined) sessions++;
      queuedBytes += s.queuedBytes;
    }
    return { stats: this.stats, sessions, queuedBytes };
  }

  /** Say GOODBYE to every session (bounded wait), then free the ports. Safe to call twice. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      clearInterval(this.pingTimer);
      await Promise.all([...this.sessions].map((s) => s.shutdown(STOP_TIMEOUT_MS)));
      this.wss.close();
      await Promise.all(
        this.servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              if (!server.listening) return resolve();
              server.close(() => resolve());
              server.closeAllConnections();
            }),
        ),
      );
      this.log.info('router stopped');
    })();
    return this.stopping;
  }

  /**
   * A session in this process (berth's own): joins the realm directly as `authid` with `authrole`, authorized like any
   * other session, but with no transport, so no frame limit and no pings. It stays until `leave()`.
   */
  joinLocal(realm: string, identity: { authid: string; authrole: string }): LocalPeer {
    const r = this.realms.get(realm);
    if (!r) throw new Error(`no realm "${realm}" on this router`);
    if (identity.authrole !== 'trusted' && !r.hasRole(identity.authrole)) throw new Error(`realm "${realm}" has no role "${identity.authrole}"`);
    return new LocalPeer(r, identity, this.log.child({ session: 'local', authid: identity.authid }));
  }

  /**
   * End every session on `realm` joined as `authid` (a revoked principal), as Crossbar.io's `wamp.session.kill_by_authid`
   * does: each gets GOODBYE with `reason` (default `wamp.close.killed`) and leaves the realm before this returns, so
   * nothing it registered or subscribed outlives the call; its socket closes in the background (bounded). Returns the
   * IDs of the sessions killed. In-process sessions (`joinLocal`) are not touched.
   */
  killByAuthid(realm: string, authid: string, options: { reason?: string; message?: string } = {}): number[] {
    const reason = options.reason ?? 'wamp.close.killed';
    const message = options.message ?? 'the session was killed by the router';
    const killed: number[] = [];
    for (const s of this.sessions) {
      if (!s.joined || s.info.realm !== realm || s.info.authid !== authid) continue;
      killed.push(s.info.id);
      void s.kill(reason, message, STOP_TIMEOUT_MS);
    }
    return killed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  private upgrade(config: RouterConfig, listener: string | undefined, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // Node's HTTP server takes its own error handler off a socket it hands to 'upgrade': from here on the socket is
    // ours, and a peer that resets it (while its 503 or 403 is being written, or mid-handshake) must not end berth.
    socket.on('error', (err: NodeJS.ErrnoException) => {
      this.log.debug({ err: err.code ?? err.message }, 'connection error before the WebSocket existed');
      socket.destroy();
    });
    const path = (req.url ?? '/').split('?')[0];
    const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    if (this.stopping) return reject(socket, 503, 'Service Unavailable');
    if (path !== config.path) return reject(socket, 404, 'Not Found');
    if (chooseSubprotocol(offered) === undefined) return reject(socket, 400, 'Bad Request');
    // A browser's page, which may be any site the user opened: only the origins the policy allows may join.
    const origin = req.headers.origin;
    if (origin !== undefined && !this.allowOrigin(origin)) {
      const now = Date.now();
      if (now - this.lastOriginLog > 10_000) {
        this.lastOriginLog = now;
        this.log.warn({ origin: origin.slice(0, 200), address: req.socket.remoteAddress }, 'refused a WebSocket upgrade from a page of another origin (403); embeddedRouter.allowedOrigins adds origins');
      }
      return reject(socket, 403, 'Forbidden');
    }
    // Caps on connections, checked before a WebSocket exists (~20k connections once exhausted berth's
    // file descriptors). Loopback clients all share 127.0.0.1, hence the generous per-address default.
    const address = req.socket.remoteAddress ?? '?';
    const fromAddress = this.perAddress.get(address) ?? 0;
    const { maxConnections, maxConnectionsPerAddress } = config.limits;
    if (this.connections >= maxConnections || fromAddress >= maxConnectionsPerAddress) {
      const now = Date.now();
      this.stats.refusals.connections++;
      if (now - this.lastRefusalLog > 10_000) {
        this.lastRefusalLog = now;
        this.log.warn({ address, fromAddress, connections: this.connections, maxConnections, maxConnectionsPerAddress }, 'connection limit reached; refusing upgrades with 503');
      }
      return reject(socket, 503, 'Service Unavailable');
    }
    this.connections++;
    this.perAddress.set(address, fromAddress + 1);
    socket.once('close', () => {
      this.connections--;
      const n = (this.perAddress.get(address) ?? 1) - 1;
      if (n > 0) this.perAddress.set(address, n);
      else this.perAddress.delete(address);
    });
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, req, listener));
  }
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

/** `::ffff:172.17.0.1` (an IPv4 client on a dual-stack wildcard listener) → `172.17.0.1`. */
function plainAddress(address: string | undefined): string {
  if (!address) return '';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

function reject(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
