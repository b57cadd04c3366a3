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
 */
import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import type { z } from 'zod';
import { BrowserOwner } from '../../browser/owner.js';
import type { ServerSpec } from '../../config/config.js';
import { startCoturn, type Coturn } from '../../servers/coturn.js';
import { TurnRestSecret } from '../../core/credentials.js';
import { DEFAULT_TIMEOUT_MS, VISIT_CALL_DURATION_S, VISIT_REST_CREDENTIAL_TTL_S } from '../../core/defaults.js';
import { registerCleanup } from '../../core/lifecycle.js';
import { handleResults } from './results-page.js';
import { echoInput } from '../../core/errors.js';
import { serveProbeFile } from '../../browser/page-server.js';
import { Secrets } from '../../core/redact.js';
import { startRelay, type RelayServer } from '../../servers/relay/server.js';
import { parseIceUri } from '../../core/uri.js';
import { VERSION } from '../../core/version.js';
import type { PlannedCall } from '../../browser/calls.js';
import type { Report } from '../../core/schema.js';
import { writeReports } from '../../../reports/write.js';
import type { CallResult, CallSpec, GatherResult } from '../../../probes/types.js';
import { buildServeReport, callIceServers, judgeGathered, judgeServeCall, ObservationMismatch, planGather, planServeCalls, USER_AGENT_MAX, type GatherPlan } from './assemble.js';
import { judgeMedia } from './media.js';
import { callFailure, EchoPeer } from './echo.js';
import { Quota, RateLimiter } from './limits.js';
import { CalledPost, CallStartPost, describeIssues, FinishPost, GatheredPost } from './schema.js';
import { plainVerdict, type PlainVerdict } from './verdict.js';

import { DEFAULT_SERVE_LIMITS, type ServeLimits } from './defaults.js';
export { DEFAULT_SERVE_LIMITS, type ServeLimits };

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
  now?: () => number;
}

export interface StoredReport {
  id: string;
  json: string;
  html: string;
  report: Report;
  verdict: PlainVerdict;
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

interface CallSide {
  echo: Promise<CallResult>;
  page: CallResult | null;
}

interface Session {
  id: string;
  tokenKey: string;
  ip: string;
  startedAt: Date;
  t0: number;
  lastSeen: number;
  servers: ServerSpec[];
  secrets: Secrets;
  gatherPlan: GatherPlan;
  gathered: ReturnType<typeof judgeGathered> | null;
  userAgent: string | null;
  /** The User-Agent header of the visit's first request (bounded). */
  requestUserAgent: string | null;
  plans: PlannedCall[] | null;
  sides: Map<string, CallSide>;
  busy: boolean;
  echoPage: Promise<Page> | null;
  finished: boolean;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(reason);
  }
}

const RESULT_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** A short result id a person can read out: 10 characters, no look-alikes. */
export function newResultId(bytes: Buffer = randomBytes(10)): string {
  return [...bytes].map((b) => RESULT_ALPHABET[b % RESULT_ALPHABET.length]).join('');
}

/** 2024-05-01T12:03:04.567Z → 20240501T120304Z */
export function fileStamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

function hashKey(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 16);
}

function tokenMatches(given: string, tokens: readonly string[]): string | null {
  const g = Buffer.from(given);
  for (const t of tokens) {
    const b = Buffer.from(t);
    if (b.length === g.length && timingSafeEqual(b, g)) return t;
  }
  return null;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...headers });
  res.end(text);
}

async function readJson(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type)) throw new HttpError(415, 'send the body as application/json');
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) throw new HttpError(413, `body of ${declared} bytes is over the limit of ${maxBytes} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  await new Promise<void>((resolveRead, reject) => {
    const timer = setTimeout(() => reject(new HttpError(408, 'body not received within 10 s')), 10_000);
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBytes) {
        clearTimeout(timer);
        req.pause();
        reject(new HttpError(413, `body is over the limit of ${maxBytes} bytes`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      clearTimeout(timer);
      resolveRead();
    });
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(new HttpError(400, `body could not be read: ${e.message}`));
    });
  });
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new HttpError(400, 'body is not valid JSON');
  }
}

function parse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const r = schema.safeParse(value);
  if (!r.success) throw new HttpError(400, `invalid: ${describeIssues(r.error)}`);
  return r.data;
}

function embeddedServerSpecs(c: Coturn): ServerSpec[] {
  const urls = [c.urls.stun, c.urls.turnUdp, c.urls.turnTcp, ...(c.urls.turns ? [c.urls.turns] : [])];
  return urls.map((url) => {
    const parsed = parseIceUri(url);
    if (!parsed.ok) throw new Error(`internal: embedded URL ${url} did not parse`);
    const turn = parsed.uri.isTurn;
    // Minted per visit (see visitServers): no credential until then.
    const spec: ServerSpec = { url, uri: parsed.uri, username: null, credential: null, credentialSource: turn ? 'minted' : 'none', origin: 'embedded server' };
    return turn ? { ...spec, restUser: 'iceprobe' } : spec;
  });
}

export async function startServe(opts: ServeOptions): Promise<ServeServer> {
  const limits: ServeLimits = { ...DEFAULT_SERVE_LIMITS, ...(opts.limits ?? {}) };
  const log = opts.log ?? (() => undefined);
  const now = opts.now ?? (() => Date.now());
  const tokens = [...(opts.tokens ?? [])];
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const durationMs = Math.round((opts.durationS ?? VISIT_CALL_DURATION_S) * 1000);
  const bothWays = opts.bothWays ?? true;
  const ttlS = opts.credentialTtlS ?? VISIT_REST_CREDENTIAL_TTL_S;
  const reportsDir = resolve(opts.reportsDir);
  mkdirSync(reportsDir, { recursive: true });

  let coturn: Coturn | null = null;
  let ownBrowser: BrowserOwner | null = null;
  let relay: RelayServer | null = null;
  let server: Server | null = null;
  let echo: EchoPeer | null = null;
  const sessions = new Map<string, Session>();
  const stored: StoredReport[] = [];
  const rate = new RateLimiter(limits.requestsPerMinute, 60_000, now);
  const quota = new Quota(limits.reportsPerToken);
  // The relay only admits pages that got a call spec from us.
  const relayToken = randomBytes(18).toString('base64url');

  let turnSecret = opts.turnSecret ?? null;
  let baseServers = opts.servers ?? [];
  let insecureTls = opts.insecureTls ?? false;
  const embedded = baseServers.length === 0;

  const closeAll = async () => {
    for (const s of sessions.values()) void s.echoPage?.then((p) => p.close()).catch(() => undefined);
    sessions.clear();
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
    if (embedded) {
      const secret = randomBytes(24).toString('base64url');
      turnSecret = new TurnRestSecret(secret);
      coturn = await startCoturn({ authSecret: secret });
      baseServers = embeddedServerSpecs(coturn);
      insecureTls = true; // our own self-signed certificate, for the echo peer only
    } else if (baseServers.some((s) => s.restUser !== undefined) && turnSecret === null) {
      throw new Error('internal: servers with minted credentials need the TURN secret to mint per visit');
    }

    const handler = (req: IncomingMessage, res: ServerResponse) => {
      void handle(req, res).catch((e: unknown) => {
        if (e instanceof HttpError) {
          if (e.status === 413) res.setHeader('connection', 'close');
          if (!res.headersSent) sendJson(res, e.status, { error: e.reason }, e.headers);
          if (e.status === 413) req.destroy();
        } else {
          log(`serve internal error: ${echoInput((e as Error).message.split('\n')[0] ?? '', 200)}`);
          if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
        }
      });
    };
    // Node enforces headersTimeout/requestTimeout only every connectionsCheckingInterval (30 s by
    // default): check every second, so a client dripping header bytes is cut off on time.
    const checking = { connectionsCheckingInterval: 1_000 };
    server = opts.tls ? createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key, ...checking }, handler) : createHttpServer(checking, handler);
    server.keepAliveTimeout = 5_000;
    server.headersTimeout = 10_000;
    server.requestTimeout = 30_000;
    const srv = server;
    await new Promise<void>((resolveListen, reject) => {
      srv.once('error', reject);
      srv.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
        srv.off('error', reject);
        resolveListen();
      });
    });
    relay = await startRelay({ server: srv, token: relayToken, maxRooms: Math.max(16, limits.maxSessions * 4), log: () => undefined });

    const addr = srv.address() as AddressInfo;
    const scheme = opts.tls ? 'https' : 'http';
    const fmt = (h: string) => (h.includes(':') ? `[${h}]` : h);
    const origin = `${scheme}://${fmt(addr.address)}:${addr.port}`;
    // The echo page reaches us over loopback when we listen on every interface.
    const internalHost = addr.address === '0.0.0.0' ? '127.0.0.1' : addr.address === '::' ? '::1' : addr.address;
    const internalOrigin = `${scheme}://${fmt(internalHost)}:${addr.port}`;
    const internalRelayUrl = `${opts.tls ? 'wss' : 'ws'}://${fmt(internalHost)}:${addr.port}/ws`;

    const browser =
      opts.browser ??
      (ownBrowser = await BrowserOwner.launch({ executablePath: opts.chromiumPath, insecureTls: insecureTls || opts.tls !== undefined }));
    echo = new EchoPeer(browser, internalOrigin);
    const echoPeer = echo;

    const visitServers = (secrets: Secrets): ServerSpec[] =>
      baseServers.map((s) => {
        if (s.restUser === undefined || turnSecret === null) {
          secrets.add(s.credential);
          return s;
        }
        const minted = turnSecret.mint(s.restUser, now(), ttlS);
        secrets.add(minted.credential);
        return { ...s, username: minted.username, credential: minted.credential };
      });

    const sweep = setInterval(() => {
      const t = now();
      for (const s of sessions.values()) {
        if (t - s.lastSeen > limits.sessionIdleMs) closeSession(s);
      }
    }, Math.min(30_000, limits.sessionIdleMs));
    sweep.unref();

    const closeSession = (s: Session) => {
      sessions.delete(s.id);
      void s.echoPage?.then((p) => p.close()).catch(() => undefined);
      s.echoPage = null;
    };

    const authorize = (req: IncomingMessage, url: URL): string => {
      if (tokens.length === 0) return '-';
      const given = (req.headers['x-iceprobe-token'] as string | undefined) ?? url.searchParams.get('t') ?? undefined;
      if (given === undefined || given === '') throw new HttpError(401, 'this test link needs its token: open the full link you were sent');
      const t = tokenMatches(given, tokens);
      if (t === null) throw new HttpError(403, 'this test link\'s token is not valid');
      return hashKey(t);
    };

    const sessionOf = (id: string, tokenKey: string): Session => {
      const s = sessions.get(id);
      if (!s || s.tokenKey !== tokenKey) throw new HttpError(404, 'no such visit (it may have expired): reload the page to start again');
      if (s.finished) throw new HttpError(409, 'this visit already has its result');
      s.lastSeen = now();
      return s;
    };

    const plannedCall = (s: Session, id: string): PlannedCall => {
      if (!s.plans) throw new HttpError(409, 'post the gathering results first');
      const p = s.plans.find((x) => x.id === id);
      if (!p) throw new HttpError(400, `invalid: call: no planned call "${id}"`);
      if (p.skip) throw new HttpError(409, `call "${id}" is skipped: ${p.skip}`);
      return p;
    };

    const callSpec = (s: Session, plan: PlannedCall, room: string, role: CallSpec['role']): CallSpec => ({
      relayUrl: internalRelayUrl,
      room,
      token: relayToken,
      role,
      iceServers: callIceServers(plan),
      policy: plan.policy,
      setupTimeoutMs: timeoutMs,
      durationMs,
      sampleMs: 250,
      media: false,
    });

    const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
      const url = new URL(req.url ?? '/', 'http://x');
      const path = url.pathname;
      if (relay?.handleHttp(req, res)) return;
      if (path === '/results' || path.startsWith('/results/')) {
        // Rate-limited like the API, so the token cannot be guessed quickly.
        const limited = rate.take(req.socket.remoteAddress ?? '?');
        if (!limited.ok) throw new HttpError(429, 'too many requests from your address', { 'retry-after': String(Math.ceil(limited.retryAfterMs / 1000)) });
        handleResults(req, res, path, { dir: reportsDir, token: opts.resultsToken ?? null });
        return;
      }
      if (!path.startsWith('/api/')) {
        const pageHeaders = {
          // The link token is in the page's URL: never send it on as a Referer.
          'referrer-policy': 'no-referrer',
          'content-security-policy': "default-src 'self'; connect-src 'self' ws: wss:; style-src 'self' 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        };
        await serveProbeFile(req, res, path === '/' ? '/serve.html' : path, pageHeaders);
        return;
      }
      const ip = req.socket.remoteAddress ?? '?';
      const r = rate.take(ip);
      if (!r.ok) {
        throw new HttpError(429, `too many requests from your address: try again in ${Math.ceil(r.retryAfterMs / 1000)} s`, { 'retry-after': String(Math.ceil(r.retryAfterMs / 1000)) });
      }
      const tokenKey = authorize(req, url);

      if (path === '/api/session' && req.method === 'GET') {
        if (quota.remaining(tokenKey) <= 0) throw new HttpError(429, 'this test link has reached its limit of stored results');
        if (sessions.size >= limits.maxSessions) throw new HttpError(503, 'too many tests are running right now: try again in a minute', { 'retry-after': '30' });
        const secrets = new Secrets();
        const servers = visitServers(secrets);
        const gatherPlan = planGather(servers, timeoutMs);
        const s: Session = {
          id: randomBytes(16).toString('hex'),
          tokenKey,
          ip,
          startedAt: new Date(now()),
          t0: performance.now(),
          lastSeen: now(),
          servers,
          secrets,
          gatherPlan,
          gathered: null,
          userAgent: null,
          requestUserAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'].slice(0, USER_AGENT_MAX) : null,
          plans: null,
          sides: new Map(),
          busy: false,
          echoPage: null,
          finished: false,
        };
        // Opens while the visitor gathers; a failure shows up as failed calls, not here.
        s.echoPage = echoPeer.openPage();
        s.echoPage.catch(() => undefined);
        sessions.set(s.id, s);
        sendJson(res, 200, { session: s.id, gather: gatherPlan.specs, setupTimeoutMs: timeoutMs, durationMs, bothWays, relayPath: '/ws' });
        return;
      }
      if (req.method !== 'POST') throw new HttpError(404, 'not found');
      const body = await readJson(req, limits.maxBodyBytes);

      if (path === '/api/gathered') {
        const post = parse(GatheredPost, body);
        const s = sessionOf(post.session, tokenKey);
        if (s.gathered) throw new HttpError(409, 'gathering results were already posted for this visit');
        try {
          s.gathered = judgeGathered(s.servers, s.gatherPlan, post.results as GatherResult[]);
        } catch (e) {
          if (e instanceof ObservationMismatch) throw new HttpError(400, `invalid: ${e.message}`);
          throw e;
        }
        s.userAgent = post.results[0]?.userAgent ?? null;
        s.plans = planServeCalls(s.servers, s.gathered.checks);
        const calls = s.plans.map((p) => ({ id: p.id, policy: p.policy, transport: p.transport, skip: p.skip }));
        sendJson(res, 200, { calls });
        return;
      }

      if (path === '/api/call') {
        const post = parse(CallStartPost, body);
        const s = sessionOf(post.session, tokenKey);
        const plan = plannedCall(s, post.call);
        const key = `${plan.id}/${post.direction}`;
        if (post.direction === 'down' && (!bothWays || plan.policy !== 'relay')) throw new HttpError(400, `invalid: direction: "${plan.id}" is measured upload only`);
        if (s.sides.has(key)) throw new HttpError(409, `call ${key} was already started`);
        if (s.busy) throw new HttpError(409, 'another call of this visit is still running');
        if (echoPeer.active >= limits.maxConcurrentCalls) throw new HttpError(503, 'the test server is busy with other calls: retrying shortly', { 'retry-after': '2' });
        const room = `${plan.id}-${randomBytes(8).toString('hex')}`;
        // up: the visitor calls and sends; down: the echo peer calls and sends.
        const echoRole: CallSpec['role'] = post.direction === 'up' ? 'callee' : 'caller';
        const pageRole: CallSpec['role'] = post.direction === 'up' ? 'caller' : 'callee';
        s.busy = true;
        const echoSpec = callSpec(s, plan, room, echoRole);
        // Answer only once the echo page is there, so its side joins the room right away and
        // the visitor's setup timeline does not include our page load.
        let echoResult: Promise<CallResult>;
        try {
          const page = await (s.echoPage ?? Promise.reject(new Error('no echo page')));
          echoResult = echoPeer.run(page, echoSpec);
        } catch (e) {
          echoResult = Promise.resolve(callFailure(echoRole, `echo page did not open: ${(e as Error).message.split('\n')[0] ?? ''}`));
        }
        s.sides.set(key, { echo: echoResult, page: null });
        void echoResult.finally(() => (s.busy = false));
        const { relayUrl: _internal, ...pageSpec } = callSpec(s, plan, room, pageRole);
        // The page builds relayUrl from its own location (the host it reached us by).
        sendJson(res, 200, { spec: pageSpec });
        return;
      }

      if (path === '/api/called') {
        const post = parse(CalledPost, body);
        const s = sessionOf(post.session, tokenKey);
        const key = `${post.call}/${post.direction}`;
        const side = s.sides.get(key);
        if (!side) throw new HttpError(409, `call ${key} was not started`);
        if (side.page) throw new HttpError(409, `call ${key} was already reported`);
        const expectedRole = post.direction === 'up' ? 'caller' : 'callee';
        if (post.result.role !== expectedRole) throw new HttpError(400, `invalid: result.role: expected "${expectedRole}"`);
        side.page = post.result as CallResult;
        const echoR = await side.echo;
        sendJson(res, 200, { ok: side.page.ok && echoR.ok, echoFailedPhase: echoR.failedPhase });
        return;
      }

      if (path === '/api/finish') {
        const post = parse(FinishPost, body);
        const s = sessionOf(post.session, tokenKey);
        if (!s.gathered || !s.plans) throw new HttpError(409, 'post the gathering results first');
        if (!quota.take(tokenKey)) throw new HttpError(429, 'this test link has reached its limit of stored results');
        s.finished = true;
        const calls = [];
        for (const plan of s.plans) {
          const upSide = s.sides.get(`${plan.id}/up`);
          const downSide = s.sides.get(`${plan.id}/down`);
          const upEcho = upSide ? await upSide.echo : null;
          const downEcho = downSide ? await downSide.echo : null;
          const up = { caller: upSide?.page ?? null, callee: upEcho };
          const down = bothWays && plan.policy === 'relay' ? { caller: downEcho, callee: downSide?.page ?? null } : null;
          calls.push(judgeServeCall(plan, up, down, durationMs));
        }
        const partial = s.plans.some((p) => !p.skip && !s.sides.get(`${p.id}/up`)?.page);
        const id = newResultId();
        const report = buildServeReport({
          startedAt: s.startedAt,
          durationMs: performance.now() - s.t0,
          servers: s.servers,
          embedded,
          userAgent: s.userAgent,
          gathered: s.gathered,
          calls,
          partial,
          secrets: s.secrets,
          tool: { version: VERSION, node: process.version, platform: `${process.platform}-${process.arch}` },
          media: judgeMedia(post.media),
          origin: { resultId: id, userAgent: s.requestUserAgent },
        });
        closeSession(s);
        const base = join(reportsDir, `${fileStamp(s.startedAt)}-${id}`);
        writeReports(report, { json: `${base}.json`, html: `${base}.html` });
        const verdict = plainVerdict(report);
        stored.push({ id, json: `${base}.json`, html: `${base}.html`, report, verdict });
        // The browser's name is what the visitor sent: escaped, so it cannot forge log lines or
        // repaint the operator's terminal.
        const ua = report.environment.browser ? echoInput(`${report.environment.browser.name} ${report.environment.browser.version}`, 80) : 'unknown browser';
        log(`report ${id} ${report.summary.status} ${verdict.tone} [${verdict.codes.join(',') || '-'}] from ${s.ip} (${ua}) → ${base}.json`);
        sendJson(res, 200, {
          id,
          verdict,
          summary: report.summary,
          findings: report.findings.map((f) => ({ code: f.code, severity: f.severity, message: f.message })),
        });
        return;
      }
      throw new HttpError(404, 'not found');
    };

    const unregister = registerCleanup('serve', () => close());
    let resolveClosed!: () => void;
    const closed = new Promise<void>((r) => (resolveClosed = r));
    let closing: Promise<void> | null = null;
    const close = (): Promise<void> => {
      closing ??= (async () => {
        unregister();
        clearInterval(sweep);
        await closeAll();
        resolveClosed();
      })();
      return closing;
    };
    log(`serve listening ${origin}/ relay=${relay.url.replace(/^ws:/, opts.tls ? 'wss:' : 'ws:')} servers=${baseServers.length}${embedded ? ' (embedded coturn)' : ''} reports=${reportsDir} token=${tokens.length > 0 ? 'required' : 'none'} results=${opts.resultsToken ? `${origin}/results (token required)` : 'off'}`);
    return { url: `${origin}/`, origin, host: addr.address, port: addr.port, relayUrl: internalRelayUrl, stored, embedded: coturn, close, closed };
  } catch (e) {
    await closeAll();
    throw e;
  }
}
