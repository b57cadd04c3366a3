/**
 * `check()`: the whole job, as a library call. The CLI is a thin shell over this.
 *
 *   config → browsers ‖ probe page server ‖ (embedded coturn when no servers)
 *          → protocol probes (from the moment there is a server)
 *            ‖ per-URL gathering → every call set up → data phases, one at a time, after the loss bursts
 *          → diagnosis → Report
 *
 * Network outcomes are checks in the report; only usage/config/environment problems throw.
 * An aborted run (Ctrl-C) still returns what it measured, marked `partial`.
 */
import { openProbePage, type Engine, type ProbeBrowser, type ProbePage } from '../browser/engine.js';
import { launchBrowser } from '../browser/launch.js';
import { labelCall, labelCandidate, labelCheck } from './engines.js';
import { resolveConfig, type ConfigInput, type ResolvedConfig, type ServerSpec } from '../config/config.js';
import { loopbackName, startCoturn, type Coturn } from '../servers/coturn.js';
import { browserRefusal, browserUsable, gatherSpec, judgeGather, judgeGatherAll, natEvidenceServers, runGather, sharedGatherSpec } from '../browser/gather.js';
import { startProbeServer, type ProbeServer } from '../browser/page-server.js';
import type { Call, Candidate, Check, Report } from '../core/schema.js';
import { planCalls, planOneSidedCall } from '../browser/calls.js';
import { runCalls as runPlannedCalls } from '../browser/call-runner.js';
import { startRelay, type RelayServer } from '../servers/relay/server.js';
import { parseIceUri } from '../core/uri.js';
import { parseExpectations } from './expect.js';
import { assembleReport } from './assemble.js';
import { refineTlsGathers } from './refine-gather.js';
import { configChecks } from '../probes-node/port-policy.js';
import { runProtocolProbes } from '../probes-node/index.js';
import { RunError } from '../core/errors.js';
import { CheckCode } from '../core/codes.js';
import { VERSION } from '../core/version.js';
import { CALL_LOW_THROUGHPUT_BPS, FINDING_LOW_THROUGHPUT_BPS } from '../core/defaults.js';

export type ProgressEvent =
  | { type: 'stage'; stage: 'config' | 'embedded-server' | 'browser' | 'gather' | 'protocol' | 'calls' | 'diagnosis' | 'done' }
  | { type: 'check'; check: Check }
  /** The n-th (from 1) of `total` calls is now awaited: its data phase, up to `dataMs` (all calls set up at once before). */
  | { type: 'call'; index: number; total: number; id: string; dataMs: number };

export interface CheckOptions extends ConfigInput {
  onProgress?: (e: ProgressEvent) => void;
  signal?: AbortSignal;
  /**
   * Reuse browsers the caller owns (tests, serve), one per engine; an engine the run needs (see
   * `browsers`) and that is not given here is launched and closed.
   */
  browser?: ProbeBrowser | readonly ProbeBrowser[];
  /** Lab runs name their scenario in the report. */
  scenario?: string;
  /** Only the relay-forced calls, not the policy-"all" one (the exporter's call module asks one question). */
  relayCallsOnly?: boolean;
}

export interface RunContext {
  config: ResolvedConfig;
  servers: ServerSpec[];
  /** The first engine's browser (Chromium when it runs). */
  browser: ProbeBrowser | null;
  probeServer: ProbeServer | null;
  signal: AbortSignal;
  checks: Check[];
  candidates: Candidate[];
  calls: Call[];
  embedded: Coturn | null;
  add: (c: Check) => void;
  progress: (e: ProgressEvent) => void;
  /** Rates that judge a call's headline (LOW_THROUGHPUT's and every throughput gate's): a data phase stops early only once none of them is in doubt. */
  thresholds?: readonly number[];
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

/** One RTCPeerConnection with every UDP server: does the NAT map per destination? */
async function gatherShared(ctx: RunContext, page: ProbePage): Promise<void> {
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

async function gatherAll(ctx: RunContext, page: ProbePage, engine: Engine = 'chromium'): Promise<void> {
  const { config } = ctx;
  await Promise.all([
    // The shared connection's NAT evidence needs each candidate's server url: Firefox names none.
    engine === 'chromium' ? gatherShared(ctx, page) : undefined,
    ...ctx.servers.map(async (s) => {
      const refused = browserRefusal(s, engine);
      if (refused) {
        ctx.add(refused);
        return;
      }
      const t0 = Date.now();
      let verdict;
      try {
        verdict = judgeGather(s, await runGather(page, gatherSpec(s, config.timeoutMs)), config.timeoutMs, engine);
      } catch (e) {
        if (ctx.signal.aborted) return;
        verdict = judgeGather(s, { error: (e as Error).message.split('\n')[0] ?? 'unknown', durationMs: Date.now() - t0 }, config.timeoutMs, engine);
      }
      ctx.candidates.push(...verdict.candidates);
      ctx.add(verdict.check);
    }),
  ]);
}

/**
 * Every call is set up at once, in `page` (caller and callee side by side, each call with its own
 * two RTCPeerConnections and signaling room); their data phases run one after another
 * (call-runner.ts), the first once `dataAfter` resolves: concurrent transfers would share the
 * CPU and the link and skew each other's throughput.
 */
async function runCalls(ctx: RunContext, page: ProbePage, dataAfter: Promise<void>, relayOnly: boolean, engine: Engine = 'chromium'): Promise<void> {
  // Other engines make the relay-forced calls only: the policy-all call is Chromium's.
  const usable = (s: ServerSpec) => browserUsable(s, engine);
  const planned = planCalls(ctx.servers, ctx.checks, usable);
  // Chromium's one-sided call (caller relayed, callee without TURN) goes after the relay-forced
  // calls, before the policy-all one.
  const oneSided = engine === 'chromium' ? planOneSidedCall(ctx.servers, planned, ctx.checks, usable) : null;
  const ordered = oneSided ? [...planned.filter((p) => p.policy === 'relay'), oneSided, ...planned.filter((p) => p.policy !== 'relay')] : planned;
  const plans = ordered.filter((p) => (!relayOnly && engine === 'chromium') || (p.policy === 'relay' && !p.directCallee));
  if (plans.every((p) => p.servers.length === 0)) return;
  const relay: RelayServer = await startRelay({ host: '127.0.0.1', port: 0 });
  try {
    // The live line's "call n of m": the n-th data phase is the one now waited for.
    const dataMs = ctx.config.durationS * 1000;
    const next = (done: number) => {
      const plan = plans[done];
      if (plan) ctx.progress({ type: 'call', index: done + 1, total: plans.length, id: engine === 'chromium' ? plan.id : `${plan.id} ${engine}`, dataMs });
    };
    let done = 0;
    next(0);
    await runPlannedCalls(
      { caller: page, callee: page },
      plans,
      { relayUrl: relay.url, setupTimeoutMs: ctx.config.timeoutMs, durationMs: dataMs, media: ctx.config.media, dataAfter, signal: ctx.signal, thresholds: ctx.thresholds },
      ({ call, check }) => {
        ctx.calls.push(ctx.signal.aborted ? { ...call, status: 'skip', code: CheckCode.INTERRUPTED } : call);
        ctx.add(check);
        next(++done);
      },
    );
  } finally {
    await relay.close();
  }
}

/** A check that was still running when the run stopped: skipped, with what it had come to. */
export function unfinished(c: Check): Check {
  if (c.status === 'pass' || c.status === 'skip') return c;
  return { ...c, status: 'skip', code: CheckCode.INTERRUPTED, message: 'not finished: the run was interrupted', details: { ...c.details, unfinished: { status: c.status, code: c.code } } };
}

function givenBrowsers(b: CheckOptions['browser']): readonly ProbeBrowser[] {
  if (b === undefined) return [];
  return 'engine' in b ? [b] : b;
}

/**
 * The run as one engine sees it: its own list of checks (call planning reads its gather checks),
 * each also added to the run under the engine's id (./engines.ts); its candidates and calls are
 * moved into the run by `flush`. Chromium works on the run itself.
 */
function engineRun(ctx: RunContext, engine: Engine): { sub: RunContext; flush: () => void } {
  if (engine === 'chromium') return { sub: ctx, flush: () => undefined };
  const sub: RunContext = {
    ...ctx,
    checks: [],
    candidates: [],
    calls: [],
    add: (c) => {
      sub.checks.push(c);
      ctx.add(labelCheck(c, engine));
    },
  };
  const flush = () => {
    ctx.candidates.push(...sub.candidates.splice(0).map((c) => labelCandidate(c, engine)));
    ctx.calls.push(...sub.calls.splice(0).map((c) => labelCall(c, engine)));
  };
  return { sub, flush };
}

export async function check(options: CheckOptions = {}): Promise<Report> {
  const startedAt = new Date();
  const t0 = performance.now();
  const progress = options.onProgress ?? (() => undefined);
  const controller = new AbortController();
  const onOuterAbort = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  // An 'abort' listener added to an already aborted signal never fires: a Ctrl-C that came
  // while the command was still loading must stop this run too.
  if (options.signal?.aborted) onOuterAbort();

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
    thresholds: [CALL_LOW_THROUGHPUT_BPS, FINDING_LOW_THROUGHPUT_BPS, ...expectations.flatMap((e) => (e.kind === 'throughput' ? [e.minBps] : []))],
    add: (c) => {
      // A check that ends after the run was stopped did not finish: its outcome (a closed page,
      // an aborted probe) is an artifact of the stop, not a finding about the network.
      const checkDone = controller.signal.aborted ? unfinished(c) : c;
      ctx.checks.push(checkDone);
      progress({ type: 'check', check: checkDone });
    },
    progress,
  };
  const ownBrowsers: ProbeBrowser[] = [];
  let ranIn: ProbeBrowser[] = [];
  let partial = false;
  let failure: unknown = null;
  const embedded = ctx.servers.length === 0;
  // Our own self-signed certificate, on our own loopback server only.
  const insecureTls = config.insecureTls || embedded;
  let protocolDone: Promise<void> = Promise.resolve();
  // Resolves when the loss bursts are over: the calls' data phases wait for it (a bulk transfer
  // on the same path would show up as their loss and jitter).
  let burstsDone: () => void = () => undefined;
  const burstsOver = new Promise<void>((r) => (burstsDone = r));
  let launched: Promise<unknown> = Promise.resolve();

  try {
    // Stopped before anything started: start nothing, hand back an empty partial report.
    if (controller.signal.aborted) throw controller.signal.reason;

    // Nothing here waits for anything else: the browsers and the probe page's server start while
    // coturn does, and the protocol probes start the moment there is a server to probe. (A
    // browser needs only `insecureTls` for the embedded server, known before it starts.)
    progress({ type: 'stage', stage: 'browser' });
    const serverStarted = startProbeServer().then((s) => (ctx.probeServer = s));
    const given = givenBrowsers(options.browser);
    // One browser per engine (config.browsers, Chromium first), launched side by side.
    const browsersStarted = config.browsers.map(
      (engine) =>
        given.find((g) => g.engine === engine) ??
        launchBrowser(engine, { executablePath: engine === 'chromium' ? config.chromiumPath : config.firefoxPath, insecureTls, fakeMedia: config.media, extraCa: config.extraCa }).then((b) => {
          ownBrowsers.push(b);
          return b;
        }),
    );
    // Whatever did start is closed below, even if something else failed first.
    launched = Promise.allSettled([serverStarted, ...browsersStarted]);

    let extraCa = config.extraCa;
    if (embedded) {
      progress({ type: 'stage', stage: 'embedded-server' });
      // Two loopback addresses on Linux (all of 127/8 is local there): coturn then answers
      // RFC 5780 (OTHER-ADDRESS, CHANGE-REQUEST), so the nat probe has something to work with.
      // Its turns: URL names localhost, not 127.0.0.1: Firefox ignores turns: to an IP address,
      // and --browser all would report that as ENGINES_DISAGREE about our own server.
      const turnsHost = await loopbackName('127.0.0.1');
      ctx.embedded = await startCoturn({
        ...(process.platform === 'linux' ? { listeningIps: ['127.0.0.1', '127.0.0.2'], relayIp: '127.0.0.1' } : {}),
        ...(turnsHost !== null ? { turnsHost } : {}),
      });
      ctx.servers = embeddedServers(ctx.embedded);
      config.secrets.add(ctx.embedded.password);
      if (ctx.embedded.certPem) extraCa = [...extraCa, ctx.embedded.certPem];
      if (controller.signal.aborted) throw controller.signal.reason;
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
        // Our own loopback server listens on IPv4 only: an IPv6 twin of turns:localhost (::1 in
        // most /etc/hosts) would only test that it does not listen there.
        ...(embedded ? { dualStack: false } : {}),
        pathQualityCount: config.lossProbes,
        onPathQualityDone: burstsDone,
        ...(extraCa.length > 0 ? { tls: { extraCa } } : {}),
      }).then((checks) => {
        for (const c of checks) ctx.add(c);
      });
      protocolDone.catch(() => undefined).finally(burstsDone);
    } else burstsDone();

    const [srv, ...started] = await Promise.allSettled([serverStarted, ...browsersStarted]);
    for (const r of [srv, ...started]) if (r.status === 'rejected') throw r.reason;
    const probeServer = (srv as PromiseFulfilledResult<ProbeServer>).value;
    ranIn = started.map((r) => (r as PromiseFulfilledResult<ProbeBrowser>).value);
    ctx.browser = ranIn[0] ?? null;
    if (controller.signal.aborted) throw controller.signal.reason;

    progress({ type: 'stage', stage: 'gather' });
    const runs = ranIn.map((browser) => ({ browser, ...engineRun(ctx, browser.engine) }));
    // One page per engine does it all: gathering, then both sides of every call. Each extra page
    // would be another renderer process.
    const pages = runs.map(({ browser }) => openProbePage(browser, probeServer.origin));
    for (const p of pages) p.catch(() => undefined);
    try {
      // The engines gather side by side (gathering is light); their calls run one after another.
      await abortable(Promise.all(runs.map(async ({ browser, sub }, i) => gatherAll(sub, await (pages[i] as Promise<ProbePage>), browser.engine))), controller.signal);
      if (config.calls) progress({ type: 'stage', stage: 'calls' });
      for (const [i, { browser, sub }] of runs.entries()) {
        if (config.calls) await abortable(runCalls(sub, await (pages[i] as Promise<ProbePage>), burstsOver, options.relayCallsOnly === true, browser.engine), controller.signal);
      }
    } finally {
      for (const r of runs) r.flush();
      await Promise.all(pages.map((p) => p.then((x) => x.close()).catch(() => undefined)));
    }
    // Protocol probes ran alongside; only the calls' data phases waited for the loss bursts.
    await abortable(protocolDone, controller.signal);
  } catch (e) {
    partial = true;
    if (!controller.signal.aborted) failure = e;
  } finally {
    options.signal?.removeEventListener('abort', onOuterAbort);
    controller.abort(new Error('run finished')); // stops any probe still running
    await protocolDone.catch(() => undefined);
    await launched;
    await Promise.all([ctx.probeServer?.close(), ...ownBrowsers.map((b) => b.close()), ctx.embedded?.stop()]);
  }

  progress({ type: 'stage', stage: 'diagnosis' });
  // The browser's TLS 701s, read again with the TLS probe's evidence (refine-gather.ts).
  ctx.checks = refineTlsGathers(ctx.checks, ctx.servers);
  const final = assembleReport({
    startedAt,
    durationMs: performance.now() - t0,
    partial,
    toolVersion: VERSION,
    ...(options.scenario ? { scenario: options.scenario } : {}),
    origin: { kind: 'check' },
    environment: {
      browser: ctx.browser ? { name: ctx.browser.name, version: ctx.browser.version, ...(ctx.browser.caTrust ? { caTrust: ctx.browser.caTrust } : {}) } : null,
      ...(ranIn.length > 1 ? { browsers: ranIn.map((b) => ({ name: b.name, version: b.version })) } : {}),
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
