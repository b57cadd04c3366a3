/**
 * The probe signaling relay's socket server: a thin `ws` shell over RelayCore.
 *
 * It owns what the core cannot: sockets, the WebSocket-level heartbeat (ping/pong, so a peer
 * that vanished without a FIN is noticed), the frame-size hard cap, timers, the health
 * endpoint and shutdown. Every decision about rooms, limits and routing is the core's.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import { RelayCore, type ConnId, type Effect, type RelayLimits, type RelayStats } from './core.js';
import type { PeerLeftReason } from './protocol.js';

export interface RelayOptions extends Partial<RelayLimits> {
  /** Interface to bind when the relay creates its own HTTP server. Default 127.0.0.1. */
  host?: string;
  /** Port to bind (0: a free one). Default 0. */
  port?: number;
  /** WebSocket endpoint path. Default `/ws`. */
  path?: string;
  /** Health endpoint path. Default `/healthz`. */
  healthPath?: string;
  /** One line per event (connections, joins, leaves, rejections). Never carries SDP or tokens. */
  log?: (line: string) => void;
  /**
   * Attach to an existing HTTP server instead of creating one (so one port can serve the probe
   * page and the relay). The relay handles upgrades on `path` only, and does not answer plain
   * HTTP requests on a server it does not own: the host calls `relay.handleHttp(req, res)`.
   * If the server is not listening yet, the relay starts it on host/port. It is never closed by
   * the relay.
   */
  server?: http.Server;
  /** WebSocket ping interval; a connection that missed the previous pong is dropped. Default 30 s. */
  heartbeatIntervalMs?: number;
  /** How often idle connections are swept. Default min(1 s, idleTimeoutMs / 2). */
  sweepIntervalMs?: number;
  /** A receiver whose unsent backlog exceeds this is dropped as lost. Default 4 MiB. */
  maxBufferedBytes?: number;
  /**
   * On a server the relay owns: a request (an upgrade included) must have sent its headers
   * within this, or the socket is closed. Default 10 s (serve's headersTimeout).
   */
  headersTimeoutMs?: number;
  /** On a server the relay owns: a whole request within this. Default 30 s. */
  requestTimeoutMs?: number;
  /** Clock for the core (rate limits, idle). Default performance.now. */
  now?: () => number;
}

export interface RelayServerStats extends RelayStats {
  uptimeS: number;
}

export interface RelayServer {
  /** ws://host:port/path */
  url: string;
  /** http://host:port */
  httpUrl: string;
  host: string;
  port: number;
  /** The effective limits (the token, if any, is not included). */
  limits: Readonly<Omit<RelayLimits, 'token'>>;
  stats(): RelayServerStats;
  /** Serves the health endpoint for a host server; returns false if the request is not the relay's. */
  handleHttp(req: http.IncomingMessage, res: http.ServerResponse): boolean;
  close(): Promise<void>;
  /** Settles when close() has finished. */
  readonly closed: Promise<void>;
}

interface Entry {
  ws: WebSocket;
  alive: boolean;
  lost: boolean;
  /** ws rejected a frame (its error code, e.g. WS_ERR_UNSUPPORTED_MESSAGE_LENGTH) and closed. */
  protocolError: string | undefined;
}

const CLOSE_GRACE_MS = 1_000;

export async function startRelay(opts: RelayOptions = {}): Promise<RelayServer> {
  const host = opts.host ?? '127.0.0.1';
  const path = opts.path ?? '/ws';
  const healthPath = opts.healthPath ?? '/healthz';
  const log = opts.log ?? (() => {});
  const now = opts.now ?? (() => performance.now());
  const core = new RelayCore(opts, { now });
  const { limits } = core;
  const heartbeatMs = opts.heartbeatIntervalMs ?? 30_000;
  const sweepMs = opts.sweepIntervalMs ?? Math.min(1_000, limits.idleTimeoutMs / 2);
  const maxBuffered = opts.maxBufferedBytes ?? 4 * 1024 * 1024;
  const startedAt = performance.now();

  // The core answers TOO_LARGE (with a reason) for frames up to twice the limit; beyond that
  // ws refuses to buffer them at all and closes with 1009 itself.
  const hardCap = Math.max(limits.maxMessageBytes * 2, limits.maxMessageBytes + 1024);
  const wss = new WebSocketServer({ noServer: true, maxPayload: hardCap, perMessageDeflate: false, clientTracking: false });
  const entries = new Map<ConnId, Entry>();
  let closing = false;

  const owned = opts.server === undefined;
  const headersTimeout = opts.headersTimeoutMs ?? 10_000;
  const requestTimeout = Math.max(opts.requestTimeoutMs ?? 30_000, headersTimeout);
  const server =
    opts.server ??
    http.createServer({
      headersTimeout,
      requestTimeout,
      // How often Node enforces the two timeouts above (default 30 s would let them slip).
      connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(headersTimeout / 2))),
    });
  // Sockets that have not (yet) become WebSocket connections: header drippers, health checks.
  // They count against maxConnections with the upgraded ones, so a flood of half-open upgrades
  // cannot hold more sockets than the limit allows (one over it may still upgrade, to be told
  // TOO_MANY_CONNECTIONS by the core).
  const pending = new Set<Duplex>();
  const onSocket = (socket: Duplex): void => {
    if (closing || pending.size + entries.size > limits.maxConnections) {
      socket.destroy();
      return;
    }
    pending.add(socket);
    // Node's own headersTimeout does not reliably cut a socket that keeps dripping header bytes
    // (measured: 21 of 200 drippers still open after 10 header timeouts): a socket that has not
    // become a WebSocket within the header timeout is closed here. (A health check is done by then.)
    const timer = setTimeout(() => {
      if (pending.has(socket)) socket.destroy();
    }, headersTimeout);
    timer.unref();
    socket.once('close', () => {
      clearTimeout(timer);
      pending.delete(socket);
    });
  };

  const stats = (): RelayServerStats => ({ ...core.stats(), uptimeS: Math.round((performance.now() - startedAt) / 100) / 10 });

  const handleHttp = (req: http.IncomingMessage, res: http.ServerResponse): boolean => {
    const pathname = pathOf(req.url);
    if (pathname !== healthPath) return false;
    const s = stats();
    const body = JSON.stringify({ ok: !closing, rooms: s.rooms, connections: s.connections, uptimeS: s.uptimeS });
    res.writeHead(closing ? 503 : 200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  };

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    if (handleHttp(req, res)) return;
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: false, error: 'not found' }));
  };

  const run = (effects: Effect[]): void => {
    for (const e of effects) {
      if (e.kind === 'log') {
        log(e.line);
        continue;
      }
      const entry = entries.get(e.to);
      if (!entry) continue;
      const { ws } = entry;
      if (e.kind === 'close') {
        if (ws.readyState === WebSocket.OPEN) ws.close(e.code, e.reason);
        continue;
      }
      if (ws.readyState !== WebSocket.OPEN) continue;
      if (ws.bufferedAmount > maxBuffered) {
        // A receiver that does not read: drop it rather than buffer without bound.
        entry.lost = true;
        ws.terminate();
        continue;
      }
      ws.send(JSON.stringify(e.message));
    }
  };

  const onConnection = (ws: WebSocket, req: http.IncomingMessage): void => {
    const remote = `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}`;
    const { id, effects } = core.open(remote);
    const entry: Entry = { ws, alive: true, lost: false, protocolError: undefined };
    entries.set(id, entry);
    ws.on('message', (data: RawData, isBinary: boolean) => {
      const buf = toBuffer(data);
      run(core.frame(id, isBinary ? '' : buf.toString('utf8'), isBinary, buf.length));
    });
    ws.on('pong', () => {
      entry.alive = true;
    });
    ws.on('error', (err: Error & { code?: string }) => {
      // Frame-level violations: ws has already closed the connection itself (1009 for a frame
      // over the hard cap, 1002 for bad framing, 1007 for invalid UTF-8).
      if (err.code?.startsWith('WS_ERR_')) entry.protocolError = err.code;
      else entry.lost = true;
    });
    ws.on('close', (code: number) => {
      entries.delete(id);
      let reason: PeerLeftReason = 'closed';
      let detail: string | undefined;
      if (entry.protocolError !== undefined) {
        reason = 'kicked';
        detail = entry.protocolError === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? `code=TOO_LARGE over-cap=${hardCap}` : `ws=${entry.protocolError}`;
      } else if (entry.lost || code === 1006) reason = 'lost';
      run(core.closed(id, reason, detail));
    });
    run(effects);
  };

  const onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer): void => {
    pending.delete(socket);
    if (pathOf(req.url) !== path) {
      // On a shared server another upgrade handler may own this path.
      if (owned || server.listenerCount('upgrade') <= 1) rejectUpgrade(socket, 404, 'Not Found');
      return;
    }
    if (closing) {
      rejectUpgrade(socket, 503, 'Service Unavailable');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, req));
  };

  const onClientError = (_err: Error, socket: Duplex): void => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  };

  server.on('upgrade', onUpgrade);
  if (owned) {
    server.on('connection', onSocket);
    server.on('request', onRequest);
    server.on('clientError', onClientError);
  }
  if (!server.listening) {
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => {
        server.off('upgrade', onUpgrade);
        reject(err);
      };
      server.once('error', onError);
      server.listen(opts.port ?? 0, host, () => {
        server.off('error', onError);
        resolve();
      });
    });
  }
  const addr = server.address() as AddressInfo;
  const urlHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const httpUrl = `http://${urlHost}:${addr.port}`;
  const url = `ws://${urlHost}:${addr.port}${path}`;

  const heartbeat = setInterval(() => {
    for (const entry of entries.values()) {
      if (!entry.alive) {
        entry.lost = true;
        entry.ws.terminate();
        continue;
      }
      entry.alive = false;
      if (entry.ws.readyState === WebSocket.OPEN) entry.ws.ping();
    }
  }, heartbeatMs);
  heartbeat.unref();
  const sweeper = setInterval(() => run(core.sweep()), sweepMs);
  sweeper.unref();

  log(`relay listening url=${url} health=${httpUrl}${healthPath}`);

  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  let closePromise: Promise<void> | undefined;

  const close = (): Promise<void> => {
    closePromise ??= (async () => {
      closing = true;
      clearInterval(heartbeat);
      clearInterval(sweeper);
      run(core.shutdown());
      await waitUntil(() => entries.size === 0, CLOSE_GRACE_MS);
      for (const entry of entries.values()) entry.ws.terminate();
      entries.clear();
      wss.close();
      server.off('upgrade', onUpgrade);
      if (owned) {
        server.off('request', onRequest);
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([serverClosed, new Promise<void>((r) => (timer = setTimeout(r, CLOSE_GRACE_MS)))]);
        clearTimeout(timer);
        server.off('clientError', onClientError);
        server.off('connection', onSocket);
        for (const socket of pending) socket.destroy();
      }
      resolveClosed();
    })();
    return closePromise;
  };

  const { token: _token, ...publicLimits } = limits;
  return { url, httpUrl, host: addr.address, port: addr.port, limits: publicLimits, stats, handleHttp, close, closed };
}

function pathOf(url: string | undefined): string {
  const raw = url ?? '/';
  const q = raw.indexOf('?');
  return q === -1 ? raw : raw.slice(0, q);
}

function rejectUpgrade(socket: Duplex, status: number, text: string): void {
  if (socket.writable) socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  else socket.destroy();
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

async function waitUntil(cond: () => boolean, boundMs: number): Promise<void> {
  const deadline = performance.now() + boundMs;
  while (!cond() && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}
