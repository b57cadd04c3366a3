/**
 * serve's HTTP routes, in the order a visit walks them (see server.ts for the whole flow):
 *
 *   /ws, /healthz       the signaling relay (relay.handleHttp)
 *   /results[/…]        the operator's results page (results-page.ts), rate-limited
 *   anything not /api/  the probe page's files (probes/)
 *   GET  /api/session   open a visit: per-visit credentials, the gather plan; the echo page opens
 *   POST /api/gathered  judge the visitor's gathering → the calls to run
 *   POST /api/call      the echo page starts its side of one call direction
 *   POST /api/called    the visitor's side of it
 *   POST /api/finish    judge everything, build and store the report, answer its verdict
 *
 * Every /api/ request is rate-limited per client address and gated by the link tokens.
 */
import { CALL_MESSAGE_BYTES } from '../../core/defaults.js';
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PlannedCall } from '../../browser/calls.js';
import { serveProbeFile } from '../../browser/page-server.js';
import type { ServerSpec } from '../../config/config.js';
import type { TurnRestSecret } from '../../core/credentials.js';
import { echoInput } from '../../core/errors.js';
import { Secrets } from '../../core/redact.js';
import { VERSION } from '../../core/version.js';
import type { RelayServer } from '../../servers/relay/server.js';
import type { CallResult, CallSpec, GatherResult } from '../../../probes/types.js';
import { buildServeReport, callIceServers, judgeGathered, judgeServeCall, ObservationMismatch, planGather, planServeCalls, USER_AGENT_MAX } from './assemble.js';
import type { ServeLimits } from './defaults.js';
import { callFailure, type EchoPeer } from './echo.js';
import { HttpError, parseBody, readJson, sendJson, type LinkTokens } from './http.js';
import type { RateLimiter } from './limits.js';
import { judgeMedia } from './media.js';
import { handleResults } from './results-page.js';
import { CalledPost, CallStartPost, FinishPost, GatheredPost } from './schema.js';
import { newResultId, type ResultStore } from './store.js';
import { visitServers, type Visit, type Visits } from './visits.js';

/** The probe page's own headers: no Referer (the link token is in its URL), a strict CSP. */
const PAGE_HEADERS = {
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'self'; connect-src 'self' ws: wss:; style-src 'self' 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
};

/** What the routes work with: the settings, the running parts, and the stores. */
export interface ServeContext {
  limits: ServeLimits;
  timeoutMs: number;
  durationMs: number;
  bothWays: boolean;
  ttlS: number;
  /** The servers every visit starts from; the embedded coturn's when `embedded`. */
  servers: readonly ServerSpec[];
  turnSecret: TurnRestSecret | null;
  embedded: boolean;
  resultsToken: string | null;
  tokens: LinkTokens;
  rate: RateLimiter;
  visits: Visits;
  store: ResultStore;
  echo: EchoPeer;
  relay: RelayServer;
  /** The relay as the echo page reaches it (loopback when listening on every interface). */
  internalRelayUrl: string;
  /** The relay admits only pages that got a call spec from us. */
  relayToken: string;
  /** One line per event. Never a token or a credential. */
  log: (line: string) => void;
  /** One line per stored report: `report <id> <status> <tone> [codes] from <ip> (<browser>) → <file>`. */
  reportLog: (line: string) => void;
  now: () => number;
}

/** The request handler over a context; throws HttpError for every refusal (http.ts jsonErrors answers it). */
export function serveRoutes(ctx: ServeContext): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    if (ctx.relay.handleHttp(req, res)) return;
    if (path === '/results' || path.startsWith('/results/')) {
      // Rate-limited like the API, so the token cannot be guessed quickly.
      const limited = ctx.rate.take(req.socket.remoteAddress ?? '?');
      if (!limited.ok) throw new HttpError(429, 'too many requests from your address', { 'retry-after': String(Math.ceil(limited.retryAfterMs / 1000)) });
      handleResults(req, res, path, { dir: ctx.store.dir, token: ctx.resultsToken });
      return;
    }
    if (!path.startsWith('/api/')) {
      await serveProbeFile(req, res, path === '/' ? '/serve.html' : path, PAGE_HEADERS);
      return;
    }
    const ip = req.socket.remoteAddress ?? '?';
    const r = ctx.rate.take(ip);
    if (!r.ok) {
      throw new HttpError(429, `too many requests from your address: try again in ${Math.ceil(r.retryAfterMs / 1000)} s`, { 'retry-after': String(Math.ceil(r.retryAfterMs / 1000)) });
    }
    const tokenKey = ctx.tokens.authorize(req, url);

    if (path === '/api/session' && req.method === 'GET') return openVisit(ctx, req, res, tokenKey, ip);
    if (req.method !== 'POST') throw new HttpError(404, 'not found');
    const body = await readJson(req, ctx.limits.maxBodyBytes);
    if (path === '/api/gathered') return gathered(ctx, res, parseBody(GatheredPost, body), tokenKey);
    if (path === '/api/call') return startCall(ctx, res, parseBody(CallStartPost, body), tokenKey);
    if (path === '/api/called') return called(ctx, res, parseBody(CalledPost, body), tokenKey);
    if (path === '/api/finish') return finish(ctx, res, parseBody(FinishPost, body), tokenKey);
    throw new HttpError(404, 'not found');
  };
}

/** GET /api/session: a new visit with its own credentials; its echo page opens while the visitor gathers. */
function openVisit(ctx: ServeContext, req: IncomingMessage, res: ServerResponse, tokenKey: string, ip: string): void {
  if (ctx.store.remaining(tokenKey) <= 0) throw new HttpError(429, 'this test link has reached its limit of stored results');
  if (ctx.visits.full) throw new HttpError(503, 'too many tests are running right now: try again in a minute', { 'retry-after': '30' });
  const secrets = new Secrets();
  const servers = visitServers(ctx.servers, ctx.turnSecret, ctx.now(), ctx.ttlS, secrets);
  const gatherPlan = planGather(servers, ctx.timeoutMs);
  const ua = req.headers['user-agent'];
  const v = ctx.visits.start({ tokenKey, ip, requestUserAgent: typeof ua === 'string' ? ua.slice(0, USER_AGENT_MAX) : null, servers, secrets, gatherPlan });
  // A failure to open shows up as failed calls, not here.
  v.echoPage = ctx.echo.openPage();
  v.echoPage.catch(() => undefined);
  sendJson(res, 200, { session: v.id, gather: gatherPlan.specs, setupTimeoutMs: ctx.timeoutMs, durationMs: ctx.durationMs, bothWays: ctx.bothWays, relayPath: '/ws' });
}

/** POST /api/gathered: the visitor's gathering judged, the calls planned from it. */
function gathered(ctx: ServeContext, res: ServerResponse, post: GatheredPost, tokenKey: string): void {
  const v = ctx.visits.get(post.session, tokenKey);
  if (v.gathered) throw new HttpError(409, 'gathering results were already posted for this visit');
  try {
    v.gathered = judgeGathered(v.servers, v.gatherPlan, post.results as GatherResult[]);
  } catch (e) {
    if (e instanceof ObservationMismatch) throw new HttpError(400, `invalid: ${e.message}`);
    throw e;
  }
  v.userAgent = post.results[0]?.userAgent ?? null;
  v.plans = planServeCalls(v.servers, v.gathered.checks);
  sendJson(res, 200, { calls: v.plans.map((p) => ({ id: p.id, policy: p.policy, transport: p.transport, skip: p.skip })) });
}

function plannedCall(v: Visit, id: string): PlannedCall {
  if (!v.plans) throw new HttpError(409, 'post the gathering results first');
  const p = v.plans.find((x) => x.id === id);
  if (!p) throw new HttpError(400, `invalid: call: no planned call "${id}"`);
  if (p.skip) throw new HttpError(409, `call "${id}" is skipped: ${p.skip}`);
  return p;
}

function callSpec(ctx: ServeContext, plan: PlannedCall, room: string, role: CallSpec['role']): CallSpec {
  return {
    relayUrl: ctx.internalRelayUrl,
    room,
    token: ctx.relayToken,
    role,
    iceServers: callIceServers(plan),
    policy: plan.policy,
    setupTimeoutMs: ctx.timeoutMs,
    durationMs: ctx.durationMs,
    sampleMs: 250,
    messageBytes: CALL_MESSAGE_BYTES,
    media: false,
  };
}

/** POST /api/call: the echo page joins the call's room; the visitor gets its own side's spec. */
async function startCall(ctx: ServeContext, res: ServerResponse, post: CallStartPost, tokenKey: string): Promise<void> {
  const v = ctx.visits.get(post.session, tokenKey);
  const plan = plannedCall(v, post.call);
  const key = `${plan.id}/${post.direction}`;
  if (post.direction === 'down' && (!ctx.bothWays || plan.policy !== 'relay')) throw new HttpError(400, `invalid: direction: "${plan.id}" is measured upload only`);
  if (v.sides.has(key)) throw new HttpError(409, `call ${key} was already started`);
  if (v.busy) throw new HttpError(409, 'another call of this visit is still running');
  if (ctx.echo.active >= ctx.limits.maxConcurrentCalls) throw new HttpError(503, 'the test server is busy with other calls: retrying shortly', { 'retry-after': '2' });
  const room = `${plan.id}-${randomBytes(8).toString('hex')}`;
  // up: the visitor calls and sends; down: the echo peer calls and sends.
  const echoRole: CallSpec['role'] = post.direction === 'up' ? 'callee' : 'caller';
  const pageRole: CallSpec['role'] = post.direction === 'up' ? 'caller' : 'callee';
  v.busy = true;
  const echoSpec = callSpec(ctx, plan, room, echoRole);
  // Answer only once the echo page is there, so its side joins the room right away and the
  // visitor's setup timeline does not include our page load.
  let echoResult: Promise<CallResult>;
  try {
    const page = await (v.echoPage ?? Promise.reject(new Error('no echo page')));
    echoResult = ctx.echo.run(page, echoSpec);
  } catch (e) {
    echoResult = Promise.resolve(callFailure(echoRole, `echo page did not open: ${(e as Error).message.split('\n')[0] ?? ''}`));
  }
  v.sides.set(key, { echo: echoResult, page: null });
  void echoResult.finally(() => (v.busy = false));
  // The page builds relayUrl from its own location (the host it reached us by).
  const { relayUrl: _internal, ...pageSpec } = callSpec(ctx, plan, room, pageRole);
  sendJson(res, 200, { spec: pageSpec });
}

/** POST /api/called: the visitor's result of one call direction, answered once the echo side is in. */
async function called(ctx: ServeContext, res: ServerResponse, post: CalledPost, tokenKey: string): Promise<void> {
  const v = ctx.visits.get(post.session, tokenKey);
  const key = `${post.call}/${post.direction}`;
  const side = v.sides.get(key);
  if (!side) throw new HttpError(409, `call ${key} was not started`);
  if (side.page) throw new HttpError(409, `call ${key} was already reported`);
  const expectedRole = post.direction === 'up' ? 'caller' : 'callee';
  if (post.result.role !== expectedRole) throw new HttpError(400, `invalid: result.role: expected "${expectedRole}"`);
  side.page = post.result as CallResult;
  const echoR = await side.echo;
  sendJson(res, 200, { ok: side.page.ok && echoR.ok, echoFailedPhase: echoR.failedPhase });
}

/** POST /api/finish: every call judged, the report built and stored; the verdict goes back to the page. */
async function finish(ctx: ServeContext, res: ServerResponse, post: FinishPost, tokenKey: string): Promise<void> {
  const v = ctx.visits.get(post.session, tokenKey);
  if (!v.gathered || !v.plans) throw new HttpError(409, 'post the gathering results first');
  if (!ctx.store.take(tokenKey)) throw new HttpError(429, 'this test link has reached its limit of stored results');
  v.finished = true;
  const calls = [];
  for (const plan of v.plans) {
    const upSide = v.sides.get(`${plan.id}/up`);
    const downSide = v.sides.get(`${plan.id}/down`);
    const upEcho = upSide ? await upSide.echo : null;
    const downEcho = downSide ? await downSide.echo : null;
    const up = { caller: upSide?.page ?? null, callee: upEcho };
    const down = ctx.bothWays && plan.policy === 'relay' ? { caller: downEcho, callee: downSide?.page ?? null } : null;
    calls.push(judgeServeCall(plan, up, down, ctx.durationMs));
  }
  const partial = v.plans.some((p) => !p.skip && !v.sides.get(`${p.id}/up`)?.page);
  const id = newResultId();
  const report = buildServeReport({
    startedAt: v.startedAt,
    durationMs: performance.now() - v.t0,
    servers: v.servers,
    embedded: ctx.embedded,
    userAgent: v.userAgent,
    gathered: v.gathered,
    calls,
    partial,
    secrets: v.secrets,
    tool: { version: VERSION, node: process.version, platform: `${process.platform}-${process.arch}` },
    media: judgeMedia(post.media),
    origin: { resultId: id, userAgent: v.requestUserAgent },
  });
  ctx.visits.close(v);
  const { json, verdict } = ctx.store.save(report, id, v.startedAt);
  // The browser's name is what the visitor sent: escaped, so it cannot forge log lines or
  // repaint the operator's terminal.
  const ua = report.environment.browser ? echoInput(`${report.environment.browser.name} ${report.environment.browser.version}`, 80) : 'unknown browser';
  ctx.reportLog(`report ${id} ${report.summary.status} ${verdict.tone} [${verdict.codes.join(',') || '-'}] from ${v.ip} (${ua}) → ${json}`);
  sendJson(res, 200, {
    id,
    verdict,
    summary: report.summary,
    findings: report.findings.map((f) => ({ code: f.code, severity: f.severity, message: f.message })),
  });
}
