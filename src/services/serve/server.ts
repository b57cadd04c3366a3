/**
 * `iceprobe serve`: an HTTP(S) server that hosts the probe page for people's browsers, the
 * signaling relay, and an echo peer (headless Chromium) the visitor's browser calls.
 *
 *   visitor page                              serve
 *   GET  /                      ───────────▶  probes/serve.html (+ /serve-ui.js, /gather.js, /call.js)
 *   GET  /api/session           ───────────▶  gather plan with per-visit credentials; echo page opens
 *        gather() per URL  (probes/gather.ts, the CLI's own code)
 *   POST /api/gathered          ───────────▶  judgeGather/judgeGatherAll → planCalls → calls to run
 *   POST /api/call {up|down}    ───────────▶  echo page starts its side (window.iceprobe.call)
 *        call()            (probes/call.ts)  ◀── ws /ws relay ──▶ echo page
 *   POST /api/called            ───────────▶  both sides' CallResults kept
 *   POST /api/finish            ───────────▶  judgeCall, diagnose, Report.parse → <time>-<id>.json/.html
 *                               ◀───────────  result id + the plain-language verdict of the stored report
 *
 * The page never receives a TURN shared secret: with one configured (or the embedded coturn,
 * which runs with a random one) every visit gets freshly minted TURN REST credentials.
 * Static credentials from the config must reach the page: a browser cannot use TURN without them.
 *
 * Limits: body size (413), requests per IP per minute (429), stored reports per link token (429),
 * open visits and concurrent calls (503), link tokens (401 missing / 403 wrong).
 *
 * The parts: this file is the lifecycle (settings, servers to test, listen, relay, echo browser,
 * close); routes.ts the HTTP routes; visits.ts the open visits (and per-visit credentials);
 * store.ts the result store; http.ts JSON, errors and link tokens; assemble.ts the judging.
 */
import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { BrowserOwner } from '../../browser/owner.js';
import type { ServerSpec } from '../../config/config.js';
import { TurnRestSecret } from '../../core/credentials.js';
import { DEFAULT_TIMEOUT_MS, VISIT_CALL_DURATION_S, VISIT_REST_CREDENTIAL_TTL_S } from '../../core/defaults.js';
import { registerCleanup } from '../../core/lifecycle.js';
import { parseIceUri } from '../../core/uri.js';
import { startCoturn, type Coturn } from '../../servers/coturn.js';
import { startRelay, type RelayServer } from '../../servers/relay/server.js';
import { DEFAULT_SERVE_LIMITS, type ServeLimits } from './defaults.js';
import { EchoPeer } from './echo.js';
import { HttpError, jsonErrors, LinkTokens } from './http.js';
import { RateLimiter } from './limits.js';
import { serveRoutes, type ServeContext } from './routes.js';
import { ResultStore, type StoredReport } from './store.js';
import { Visits } from './visits.js';

export { DEFAULT_SERVE_LIMITS, type ServeLimits };
export { fileStamp, newResultId, type StoredReport } from './store.js';

export interface ServeOptions {
  /** Servers to test; null or empty: an embedded local coturn (TURN REST, random secret). */
  servers?: ServerSpec[] | null;
  /**
   * The config's TURN REST secret (ResolvedConfig.turnSecret): servers whose credentials the
   * config minted (they carry restUser) get fresh ones per visit. Never sent to a page.
   */
  turnSecret?: TurnRestSecret | null | undefined;
  host?: string;
  port?: number;
  /** PEM contents; both or neither. */
  tls?: { cert: string; key: string } | undefined;
  reportsDir: string;
  /** Link tokens; empty: no token needed. */
  tokens?: readonly string[];
  /** Default DEFAULT_TIMEOUT_MS. */
  timeoutMs?: number;
  /** Seconds of data per call direction. Default VISIT_CALL_DURATION_S. */
  durationS?: number;
  /** Measure echo → visitor too (a second call with the roles swapped). Default true. */
  bothWays?: boolean;
  limits?: Partial<ServeLimits>;
  /** Reuse a browser for the echo peer (tests); otherwise one is launched and closed. */
  browser?: BrowserOwner;
  chromiumPath?: string | undefined;
  /** Accept self-signed TURNS certificates in the echo peer (the embedded coturn sets it). */
  insecureTls?: boolean;
  /** Lifetime of per-visit TURN REST credentials. Default VISIT_REST_CREDENTIAL_TTL_S. */
  credentialTtlS?: number;
  /** The operator's results page (/results): its token; absent, the page is off. Never logged. */
  resultsToken?: string | undefined;
  /** One line per event; never carries a token or a credential. */
  log?: (line: string) => void;
  /** One line per stored report (`report <id> …`). Default: log. */
  reportLog?: (line: string) => void;
  now?: () => number;
}

export interface ServeServer {
  /** The page, e.g. http://127.0.0.1:8080/ (add ?t=<token> for a link). */
  url: string;
  origin: string;
  host: string;
  port: number;
  relayUrl: string;
  /** Reports stored so far, oldest first. */
  stored: StoredReport[];
  embedded: Coturn | null;
  close(): Promise<void>;
  readonly closed: Promise<void>;
}


/** The options with every default applied: what the rest of startServe reads. */
interface Settings {
  limits: ServeLimits;
  tokens: string[];
  timeoutMs: number;
  durationMs: number;
  bothWays: boolean;
  ttlS: number;
  resultsToken: string | null;
  log: (line: string) => void;
  reportLog: (line: string) => void;
  now: () => number;
}

function settingsOf(opts: ServeOptions): Settings {
  return {
    limits: { ...DEFAULT_SERVE_LIMITS, ...(opts.limits ?? {}) },
    tokens: [...(opts.tokens ?? [])],
    timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    durationMs: Math.round((opts.durationS ?? VISIT_CALL_DURATION_S) * 1000),
    bothWays: opts.bothWays ?? true,
    ttlS: opts.credentialTtlS ?? VISIT_REST_CREDENTIAL_TTL_S,
    resultsToken: opts.resultsToken ?? null,
    log: opts.log ?? (() => undefined),
    reportLog: opts.reportLog ?? opts.log ?? (() => undefined),
    now: opts.now ?? (() => Date.now()),
  };
}

function embeddedServerSpecs(c: Coturn): ServerSpec[] {
  const urls = [c.urls.stun, c.urls.turnUdp, c.urls.turnTcp, ...(c.urls.turns ? [c.urls.turns] : [])];
  return urls.map((url) => {
    const parsed = parseIceUri(url);
    if (!parsed.ok) throw new Error(`internal: embedded URL ${url} did not parse`);
    const turn = parsed.uri.isTurn;
    // Minted per visit (visits.ts visitServers): no credential until then.
    const spec: ServerSpec = { url, uri: parsed.uri, username: null, credential: null, credentialSource: turn ? 'minted' : 'none', origin: 'embedded server' };
    return turn ? { ...spec, restUser: 'iceprobe' } : spec;
  });
}

/** The servers to test and how to mint for them: the configured ones, or a fresh embedded coturn. */
async function serversOf(opts: ServeOptions): Promise<{ servers: ServerSpec[]; turnSecret: TurnRestSecret | null; coturn: Coturn | null; insecureTls: boolean }> {
  const given = opts.servers ?? [];
  if (given.length === 0) {
    const secret = randomBytes(24).toString('base64url');
    const coturn = await startCoturn({ authSecret: secret });
    // Our own self-signed certificate: the echo peer accepts it (and only the echo peer).
    return { servers: embeddedServerSpecs(coturn), turnSecret: new TurnRestSecret(secret), coturn, insecureTls: true };
  }
  const turnSecret = opts.turnSecret ?? null;
  if (given.some((s) => s.restUser !== undefined) && turnSecret === null) {
    throw new Error('internal: servers with minted credentials need the TURN secret to mint per visit');
  }
  return { servers: given, turnSecret, coturn: null, insecureTls: opts.insecureTls ?? false };
}

/** An HTTP(S) server listening on host:port, its slow-client timeouts set. */
async function listen(opts: ServeOptions, handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Server> {
  // Node enforces headersTimeout/requestTimeout only every connectionsCheckingInterval (30 s by
  // default): check every second, so a client dripping header bytes is cut off on time.
  const checking = { connectionsCheckingInterval: 1_000 };
  const server = opts.tls ? createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key, ...checking }, handler) : createHttpServer(checking, handler);
  server.keepAliveTimeout = 5_000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  return server;
}

/** Where the server is, as visitors reach it and as the echo page does (loopback for a wildcard bind). */
function addressesOf(server: Server, tls: boolean) {
  const addr = server.address() as AddressInfo;
  const scheme = tls ? 'https' : 'http';
  const fmt = (h: string) => (h.includes(':') ? `[${h}]` : h);
  const internalHost = addr.address === '0.0.0.0' ? '127.0.0.1' : addr.address === '::' ? '::1' : addr.address;
  return {
    host: addr.address,
    port: addr.port,
    origin: `${scheme}://${fmt(addr.address)}:${addr.port}`,
    internalOrigin: `${scheme}://${fmt(internalHost)}:${addr.port}`,
    internalRelayUrl: `${tls ? 'wss' : 'ws'}://${fmt(internalHost)}:${addr.port}/ws`,
  };
}

/**
 * Starts serve: the servers to test (or an embedded coturn), the HTTP(S) server with the relay
 * on it, the echo peer's browser, then the routes. On a failure half-way everything started so
 * far is closed again. The caller (or Ctrl-C, through the lifecycle cleanups) owns close().
 */
export async function startServe(opts: ServeOptions): Promise<ServeServer> {
  const st = settingsOf(opts);
  const store = new ResultStore(opts.reportsDir, st.limits.reportsPerToken);
  const visits = new Visits({ maxVisits: st.limits.maxSessions, idleMs: st.limits.sessionIdleMs, now: st.now });
  let coturn: Coturn | null = null;
  let ownBrowser: BrowserOwner | null = null;
  let relay: RelayServer | null = null;
  let server: Server | null = null;
  let echo: EchoPeer | null = null;

  const closeAll = async () => {
    visits.closeAll();
    await echo?.close();
    await relay?.close();
    if (server) {
      const srv = server;
      srv.closeAllConnections();
      await new Promise<void>((r) => srv.close(() => r()));
    }
    await Promise.all([ownBrowser?.close(), coturn?.stop()]);
  };

  try {
    const tested = await serversOf(opts);
    coturn = tested.coturn;
    // Requests that arrive before the routes are ready are told to come back.
    let routes: ((req: IncomingMessage, res: ServerResponse) => Promise<void>) | null = null;
    const handler = jsonErrors(async (req, res) => {
      if (routes === null) throw new HttpError(503, 'starting up: try again in a moment', { 'retry-after': '1' });
      await routes(req, res);
    }, st.log);
    server = await listen(opts, handler);
    const relayToken = randomBytes(18).toString('base64url');
    relay = await startRelay({ server, token: relayToken, maxRooms: Math.max(16, st.limits.maxSessions * 4), log: () => undefined });
    const at = addressesOf(server, opts.tls !== undefined);
    const browser = opts.browser ?? (ownBrowser = await BrowserOwner.launch({ executablePath: opts.chromiumPath, insecureTls: tested.insecureTls || opts.tls !== undefined }));
    echo = new EchoPeer(browser, at.internalOrigin);

    const ctx: ServeContext = {
      ...st,
      tokens: new LinkTokens(st.tokens),
      servers: tested.servers,
      turnSecret: tested.turnSecret,
      embedded: tested.coturn !== null,
      rate: new RateLimiter(st.limits.requestsPerMinute, 60_000, st.now),
      visits,
      store,
      echo,
      relay,
      internalRelayUrl: at.internalRelayUrl,
      relayToken,
    };
    routes = serveRoutes(ctx);

    const unregister = registerCleanup('serve', () => close());
    let resolveClosed!: () => void;
    const closed = new Promise<void>((r) => (resolveClosed = r));
    let closing: Promise<void> | null = null;
    const close = (): Promise<void> => {
      closing ??= (async () => {
        unregister();
        await closeAll();
        resolveClosed();
      })();
      return closing;
    };
    st.log(`serve ready ${at.origin}/ relay=${relay.url.replace(/^ws:/, opts.tls ? 'wss:' : 'ws:')} servers=${tested.servers.length}${ctx.embedded ? ' (embedded coturn)' : ''} reports=${store.dir} token=${st.tokens.length > 0 ? 'required' : 'none'} results=${st.resultsToken ? `${at.origin}/results (token required)` : 'off'}`);
    return { url: `${at.origin}/`, origin: at.origin, host: at.host, port: at.port, relayUrl: at.internalRelayUrl, stored: store.stored, embedded: coturn, close, closed };
  } catch (e) {
    await closeAll();
    throw e;
  }
}
