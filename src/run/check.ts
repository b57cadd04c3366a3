/**
 * `check()`: the whole job, as a library call. The CLI is a thin shell over this.
 *
 *   config → (embedded coturn when no servers) → browser + probe page
 *          → per-URL gathering ‖ protocol probes → loopback calls → diagnosis → Report
 *
 * Network outcomes are checks in the report; only usage/config/environment problems throw.
 * An aborted run (Ctrl-C) still returns what it measured, marked `partial`.
 */
import type { Page } from 'playwright-core';
import { BrowserOwner } from '../browser/owner.js';
import { resolveConfig, type ConfigInput, type ResolvedConfig, type ServerSpec } from '../config/config.js';
import { startCoturn, type Coturn } from '../servers/coturn.js';
import { browserRefusal, browserUsable, gatherSpec, judgeGather, judgeGatherAll, natEvidenceServers, runGather, sharedGatherSpec } from '../browser/gather.js';
import { startProbeServer, type ProbeServer } from '../browser/page-server.js';
import type { Call, Candidate, Check, Report } from '../core/schema.js';
import { planCalls, planOneSidedCall, runCall } from '../browser/calls.js';
import { startRelay, type RelayServer } from '../servers/relay/server.js';
import { parseIceUri } from '../core/uri.js';
import { parseExpectations } from './expect.js';
import { assembleReport } from './assemble.js';
import { configChecks } from '../probes-node/port-policy.js';
import { runProtocolProbes } from '../probes-node/index.js';
import { RunError } from '../core/errors.js';
import { VERSION } from '../core/version.js';

export type ProgressEvent =
  | { type: 'stage'; stage: 'config' | 'embedded-server' | 'browser' | 'gather' | 'protocol' | 'calls' | 'diagnosis' | 'done' }
  | { type: 'check'; check: Check };

export interface CheckOptions extends ConfigInput {
  onProgress?: (e: ProgressEvent) => void;
  signal?: AbortSignal;
  /** Reuse a browser the caller owns (tests, serve); otherwise one is launched and closed. */
  browser?: BrowserOwner;
  /** Lab runs name their scenario in the report. */
  scenario?: string;
  /** Only the relay-forced calls, not the policy-"all" one (the exporter's call module asks one question). */
  relayCallsOnly?: boolean;
}

export interface RunContext {
  config: ResolvedConfig;
  servers: ServerSpec[];
  browser: BrowserOwner | null;
  probeServer: ProbeServer | null;
  signal: AbortSignal;
  checks: Check[];
  candidates: Candidate[];
  calls: Call[];
  embedded: Coturn | null;
  add: (c: Check) => void;
}

/** Servers for the embedded default: every kind of URL against the local coturn. */
export function embeddedServers(c: Coturn): ServerSpec[] {
  const urls = [c.urls.stun, c.urls.turnUdp, c.urls.turnTcp, ...(c.urls.turns ? [c.urls.turns] : [])];
  return urls.map((url) => {
    const parsed = parseIceUri(url);
    if (!parsed.ok) throw new Error(`internal: embedded URL ${url} did not parse`);
    const turn = parsed.uri.isTurn;
    return {
      url,
      uri: parsed.uri,
      username: turn ? c.username : null,
      credential: turn ? c.password : null,
      credentialSource: turn ? 'given' : 'none',
      origin: 'embedded server',
    };
  });
}

function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

async function openProbePage(browser: BrowserOwner, origin: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${origin}/`, { timeout: 10_000, waitUntil: 'load' });
  // Module scripts run before "load", so this is normally true at once.
  if ((await page.evaluate('Boolean(window.iceprobe && window.iceprobe.ready)')) !== true) {
    await page.waitForFunction('window.iceprobe && window.iceprobe.ready === true', undefined, { timeout: 10_000, polling: 10 });
  }
  return page;
}

/** One RTCPeerConnection with every UDP server: does the NAT map per destination? */
async function gatherShared(ctx: RunContext, page: Page): Promise<void> {
  const spec = sharedGatherSpec(ctx.servers, ctx.config.timeoutMs);
  if (!spec) return;
  const servers = natEvidenceServers(ctx.servers);
  const t0 = Date.now();
  let verdict;
  try {
    verdict = judgeGatherAll(servers, await runGather(page, spec));
  } catch (e) {
    if (ctx.signal.aborted) return;
    verdict = judgeGatherAll(servers, { error: (e as Error).message.split('\n')[0] ?? 'unknown', durationMs: Date.now() - t0 });
  }
  ctx.candidates.push(...verdict.candidates);
  ctx.add(verdict.check);
}

async function gatherAll(ctx: RunContext, page: Page): Promise<void> {
  const { config } = ctx;
  await Promise.all([
    gatherShared(ctx, page),
    ...ctx.servers.map(async (s) => {
      const refused = browserRefusal(s);
      if (refused) {
        ctx.add(refused);
        return;
      }
      const t0 = Date.now();
      let verdict;
      try {
        verdict = judgeGather(s, await runGather(page, gatherSpec(s, config.timeoutMs)), config.timeoutMs);
      } catch (e) {
        if (ctx.signal.aborted) return;
        verdict = judgeGather(s, { error: (e as Error).message.split('\n')[0] ?? 'unknown', durationMs: Date.now() - t0 }, config.timeoutMs);
      }
      ctx.candidates.push(...verdict.candidates);
      ctx.add(verdict.check);
    }),
  ]);
}

/** Calls run one after another: concurrent calls would share the CPU and skew throughput. */
async function runCalls(ctx: RunContext, pagesReady: Promise<Page[]>, relayOnly: boolean): Promise<void> {
  const planned = planCalls(ctx.servers, ctx.checks, browserUsable);
  // The one-sided call goes after the relay-forced ones, before the policy-all call.
  const oneSided = planOneSidedCall(ctx.servers, planned, ctx.checks, browserUsable);
  const withOneSided = oneSided ? [...planned.filter((p) => p.policy === 'relay'), oneSided, ...planned.filter((p) => p.policy !== 'relay')] : planned;
  const plans = withOneSided.filter((p) => !relayOnly || p.policy === 'relay');
  let relay: RelayServer | null = null;
  let pages: Page[] = [];
  try {
    pages = await pagesReady;
    if (plans.every((p) => p.servers.length === 0)) return;
    relay = await startRelay({ host: '127.0.0.1', port: 0 });
    const [caller, callee] = pages as [Page, Page];
    for (const plan of plans) {
      if (ctx.signal.aborted) break;
      const { call, check } = await runCall({ caller, callee }, plan, {
        relayUrl: relay.url,
        setupTimeoutMs: ctx.config.timeoutMs,
        durationMs: ctx.config.durationS * 1000,
        media: ctx.config.media,
      });
      ctx.calls.push(call);
      ctx.add(check);
    }
  } finally {
    await Promise.all(pages.map((p) => p.close().catch(() => undefined)));
    await relay?.close();
  }
}

export async function check(options: CheckOptions = {}): Promise<Report> {
  const startedAt = new Date();
  const t0 = performance.now();
  const progress = options.onProgress ?? (() => undefined);
  const controller = new AbortController();
  const onOuterAbort = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });

  progress({ type: 'stage', stage: 'config' });
  // Config and expectation problems throw ConfigError before anything is measured.
  const config = resolveConfig(options);
  const expectations = parseExpectations(config.expect, { source: '--expect' });

  const ctx: RunContext = {
    config,
    servers: config.servers,
    browser: null,
    probeServer: null,
    signal: controller.signal,
    checks: [],
    candidates: [],
    calls: [],
    embedded: null,
    add: (c) => {
      ctx.checks.push(c);
      progress({ type: 'check', check: c });
    },
  };
  let ownBrowser: BrowserOwner | null = null;
  let partial = false;
  let failure: unknown = null;
  let insecureTls = config.insecureTls;
  let protocolDone: Promise<void> = Promise.resolve();

  try {
    let extraCa = config.extraCa;
    if (ctx.servers.length === 0) {
      progress({ type: 'stage', stage: 'embedded-server' });
      // Two loopback addresses on Linux (all of 127/8 is local there): coturn then answers
      // RFC 5780 (OTHER-ADDRESS, CHANGE-REQUEST), so the nat probe has something to work with.
      ctx.embedded = await startCoturn(process.platform === 'linux' ? { listeningIps: ['127.0.0.1', '127.0.0.2'], relayIp: '127.0.0.1' } : {});
      ctx.servers = embeddedServers(ctx.embedded);
      config.secrets.add(ctx.embedded.password);
      insecureTls = true; // our own self-signed certificate, on our own loopback server only
      if (ctx.embedded.certPem) extraCa = [...extraCa, ctx.embedded.certPem];
    } else {
      // Static checks of the user's configuration (port policy, TURN/TCP/TLS coverage).
      for (const c of configChecks(ctx.servers)) ctx.add(c);
    }

    if (config.protocol) {
      progress({ type: 'stage', stage: 'protocol' });
      protocolDone = runProtocolProbes(ctx.servers, {
        timeoutMs: config.timeoutMs,
        signal: controller.signal,
        config: false,
        pathQualityCount: config.lossProbes,
        ...(extraCa.length > 0 ? { tls: { extraCa } } : {}),
      }).then((checks) => {
        for (const c of checks) ctx.add(c);
      });
    }

    progress({ type: 'stage', stage: 'browser' });
    const serverStarted = startProbeServer().then((s) => (ctx.probeServer = s));
    const browserStarted = options.browser
      ? Promise.resolve(options.browser)
      : BrowserOwner.launch({ executablePath: config.chromiumPath, insecureTls, fakeMedia: config.media }).then((b) => (ownBrowser = b));
    // Both settle before we go on, so whatever did start is closed below even if the other failed.
    const [b, srv] = await Promise.allSettled([browserStarted, serverStarted]);
    if (b.status === 'rejected') throw b.reason;
    if (srv.status === 'rejected') throw srv.reason;
    const browser = b.value;
    const probeServer = srv.value;
    ctx.browser = browser;
    if (controller.signal.aborted) throw controller.signal.reason;

    progress({ type: 'stage', stage: 'gather' });
    // The two call pages (caller, callee: separate contexts) open while gathering runs.
    const callPages = config.calls ? Promise.all([openProbePage(browser, probeServer.origin), openProbePage(browser, probeServer.origin)]) : null;
    callPages?.catch(() => undefined);
    const page = await abortable(openProbePage(browser, probeServer.origin), controller.signal);
    await abortable(gatherAll(ctx, page), controller.signal);
    await page.close().catch(() => undefined);

    if (callPages) {
      progress({ type: 'stage', stage: 'calls' });
      await abortable(runCalls(ctx, callPages, options.relayCallsOnly === true), controller.signal);
    }
    // Protocol probes ran alongside; the calls never waited for them.
    await abortable(protocolDone, controller.signal);
  } catch (e) {
    partial = true;
    if (!controller.signal.aborted) failure = e;
  } finally {
    options.signal?.removeEventListener('abort', onOuterAbort);
    controller.abort(new Error('run finished')); // stops any probe still running
    await protocolDone.catch(() => undefined);
    await Promise.all([ctx.probeServer?.close(), ownBrowser ? (ownBrowser as BrowserOwner).close() : undefined, ctx.embedded?.stop()]);
  }

  progress({ type: 'stage', stage: 'diagnosis' });
  const final = assembleReport({
    startedAt,
    durationMs: performance.now() - t0,
    partial,
    toolVersion: VERSION,
    ...(options.scenario ? { scenario: options.scenario } : {}),
    origin: { kind: 'check' },
    environment: {
      browser: ctx.browser ? { name: ctx.browser.name, version: ctx.browser.version } : null,
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      embeddedServer: ctx.embedded !== null,
    },
    servers: ctx.servers,
    checks: ctx.checks,
    ...(config.calls ? { calls: ctx.calls } : {}),
    candidates: ctx.candidates,
    expectations,
    secrets: config.secrets,
  });
  progress({ type: 'stage', stage: 'done' });
  if (failure !== null) {
    // Usage/environment/internal problem mid-run: keep what was measured, let the caller decide.
    throw new RunError(failure, final, config.secrets);
  }
  return final;
}
