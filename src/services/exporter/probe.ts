/**
 * One probe: a module and a target in, a redacted Report and the verdict out. Nothing is probed
 * here by hand: Node-side modules run iceprobe's protocol probes (src/probes-node), browser
 * modules run check() (src/run/check.ts) on the exporter's warm browser, so an exporter probe
 * and `iceprobe check` of the same URL measure the same way and name outcomes with the same codes.
 *
 * Network outcomes are data (codes in the Report); this only throws for internal errors.
 */
import { isIP } from 'node:net';
import type { ProbeBrowser } from '../../browser/engine.js';
import type { ServerSpec } from '../../config/config.js';
import { checkWorked } from '../../core/check.js';
import { CheckCode, ProtocolCode } from '../../core/codes.js';
import { checkId, engineId, type EngineName } from '../../core/ids.js';
import { ConfigError } from '../../core/errors.js';
import { Secrets } from '../../core/redact.js';
import type { Check, Report } from '../../core/schema.js';
import type { IceUri } from '../../core/uri.js';
import { dnsCheck, probeTls, resolveHost, runProtocolProbes, systemResolver, RELAY_REACH_DEFAULTS } from '../../probes-node/index.js';
import { makeCheck } from '../../probes-node/check.js';
import { systemClock } from '../../net/clock.js';
import { check } from '../../run/check.js';
import { BrowserWaitAborted } from './browser-pool.js';
import { ExporterCode } from './codes.js';
import { probeCredentials } from './credentials.js';
import type { ExporterModule } from './modules.js';
import { protocolReport } from './report.js';

/**
 * Something that lends a browser of an engine for the length of `fn` (browser-pool.ts
 * WarmBrowsers); it stops waiting for a browser still starting when `signal` aborts.
 */
export interface BrowserLender {
  use<T>(engine: EngineName, fn: (b: ProbeBrowser) => Promise<T>, signal?: AbortSignal): Promise<T>;
}

export interface ProbeInput {
  module: ExporterModule;
  uri: IceUri;
  /** Whole-probe bound; the probe's steps share it. */
  timeoutMs: number;
  /** Aborted when the scraper goes away or the exporter stops. */
  signal?: AbortSignal;
  env: NodeJS.ProcessEnv;
  browser: BrowserLender | null;
  /** The browser accepts self-signed TURNS certificates (config browser.insecureTls). */
  browserInsecureTls?: boolean;
  now?: () => number;
}

export interface ProbeResult {
  /** Redacted, schema-valid. */
  report: Report;
  success: boolean;
  /** Codes of what failed, distinct, in report order; empty on success. */
  failureCodes: string[];
  durationS: number;
  /** The probe's own log (debug=true), redacted. */
  log: string[];
  /** For the caller's own redaction of anything else it writes about this probe. */
  secrets: Secrets;
  /** The engine a browser module probed in; null for the Node-side modules. */
  browser: EngineName | null;
}

/** The kinds whose check answers the module's question. */
const PRIMARY: Record<ExporterModule['prober'], Check['kind']> = { stun: 'stun-binding', turn: 'turn-allocate', relay: 'relay-reach', tls: 'tls-handshake', gather: 'gather', call: 'call' };

/** The budget a browser probe's per-step bound gets out of the whole-probe bound. */
export function browserStepMs(prober: 'gather' | 'call', totalMs: number, callDurationS: number): number {
  // check() runs: pages + gather (≤ t), then the relay-forced call (setup ≤ t, then the data).
  const raw = prober === 'gather' ? totalMs - 1_000 : (totalMs - callDurationS * 1000 - 1_500) / 2;
  return Math.min(120_000, Math.max(100, Math.floor(raw)));
}

/**
 * The bound of each Node-side step: DNS and the connection probe run one after the other, so a
 * name gets under half the budget for each; an IP literal (no lookup) most of it. A tenth is left
 * for the steps' own bookkeeping, so the probe answers with its own code (TIMEOUT) before the
 * whole-probe deadline has to cut it.
 */
export function nodeStepMs(host: string, totalMs: number, prober: ExporterModule['prober'] = 'turn'): number {
  const usable = totalMs * (isIP(host) === 0 ? 0.45 : 0.9);
  // relay-reach: Allocate (≤ t), then permission + exchange + release (≤ t + its two waits).
  const raw = prober === 'relay' ? (usable - 2 * RELAY_REACH_DEFAULTS.waitMs) / 2 : usable;
  return Math.max(50, Math.floor(raw));
}

/**
 * The id of the check that answers the module's question about `uri` (src/core/ids.ts), as the
 * probe itself names it: a browser module's in its engine (`…@firefox`), a call module's the
 * relay-forced call over the URL's transport.
 */
export function primaryCheckId(m: Pick<ExporterModule, 'prober' | 'browser'>, uri: IceUri): string {
  switch (m.prober) {
    case 'stun':
      return checkId.stunBinding(uri.canonical);
    case 'turn':
      return checkId.turnAllocate(uri.canonical);
    case 'relay':
      return checkId.relayReach(uri.canonical);
    case 'tls':
      return checkId.tls(uri.host, uri.port);
    case 'gather':
      return engineId(checkId.gather(uri.canonical), m.browser ?? 'chromium');
    case 'call':
      return engineId(checkId.call(uri.transport), m.browser ?? 'chromium');
  }
}

/**
 * Pure: the verdict of a report for a module. It succeeds when a check of the module's kind got
 * its answer (core/check.ts checkWorked) and nothing failed. A warning that the browser ignored
 * the URL (UNSUPPORTED_BY_BROWSER: Firefox and a turns: URL to an IP address), on any check of
 * the probe, is a failure with that code: nothing was tried, so nothing measured is an answer.
 */
export function verdict(report: Report, prober: ExporterModule['prober']): { success: boolean; failureCodes: string[] } {
  const checks = report.checks.filter((c) => c.kind !== 'config');
  const primary = checks.filter((c) => c.kind === PRIMARY[prober]);
  // E.g. a call module's gather step: the call is then skipped, and this is why.
  const unanswered = checks.filter((c) => c.status === 'warn' && !checkWorked(c));
  const failed = [...new Set([...checks.filter((c) => c.status === 'fail'), ...unanswered].map((c) => c.code))];
  const answered = primary.some(checkWorked);
  if (failed.length === 0 && answered && !report.partial) return { success: true, failureCodes: [] };
  if (failed.length > 0) return { success: false, failureCodes: failed };
  const skipped = primary.find((c) => c.status === 'skip');
  return { success: false, failureCodes: [skipped?.code ?? (report.partial ? ProtocolCode.TIMEOUT : CheckCode.INTERNAL_ERROR)] };
}

function checkLine(c: Check): string {
  return `check ${c.id}: ${c.status} ${c.code} in ${c.durationMs} ms${c.message ? ` — ${c.message}` : ''}`;
}

export async function runProbe(input: ProbeInput): Promise<ProbeResult> {
  const now = input.now ?? Date.now;
  const t0 = performance.now();
  const startedAt = new Date(now());
  const secrets = new Secrets();
  const log: string[] = [];
  const say = (line: string) => log.push(`${((performance.now() - t0) / 1000).toFixed(3)}s ${line}`);
  const { module: m, uri } = input;
  say(`probe ${uri.canonical} with module ${m.name} (prober ${m.prober}), bound ${input.timeoutMs} ms`);

  const controller = new AbortController();
  // The steps bound themselves inside the budget (stepMs); this only stops a step that overruns.
  let deadlineHit = false;
  const timer = setTimeout(() => {
    deadlineHit = true;
    controller.abort(new Error('probe deadline'));
  }, input.timeoutMs);
  const onOuter = () => controller.abort(input.signal?.reason);
  input.signal?.addEventListener('abort', onOuter, { once: true });

  const creds = probeCredentials(m.credentials, input.env, now(), secrets);
  if (creds.kind === 'given') say(`credentials: ${creds.source} (username ${creds.username})`);
  else if (creds.kind === 'missing') say(`credentials: missing: ${creds.problem}`);
  const server: ServerSpec = {
    url: uri.canonical,
    uri,
    username: creds.kind === 'given' && uri.isTurn ? creds.username : null,
    credential: creds.kind === 'given' && uri.isTurn ? creds.password : null,
    credentialSource: creds.kind === 'given' && uri.isTurn ? (creds.source === 'minted' ? 'minted' : 'given') : 'none',
    origin: `module ${m.name}`,
  };

  let report: Report;
  try {
    report = await probeReport(input, server, creds.kind === 'missing' ? creds.problem : null, controller.signal, secrets, startedAt, t0, say);
  } finally {
    clearTimeout(timer);
    input.signal?.removeEventListener('abort', onOuter);
  }
  for (const c of report.checks) say(checkLine(c));
  for (const f of report.findings) say(`finding ${f.code} (${f.severity})`);
  const judged = verdict(report, m.prober);
  // Stopped by the probe's own bound: for the operator that is a timeout, whatever step it cut.
  const v = deadlineHit ? { ...judged, failureCodes: [...new Set(judged.failureCodes.map((c) => (c === ProtocolCode.ABORTED ? ProtocolCode.TIMEOUT : c)))] } : judged;
  if (deadlineHit) say(`the ${input.timeoutMs} ms bound stopped the probe`);
  const durationS = (performance.now() - t0) / 1000;
  say(`probe ${v.success ? 'succeeded' : `failed: ${v.failureCodes.join(', ')}`} in ${durationS.toFixed(3)} s`);
  return { report, ...v, durationS, log: log.map((l) => secrets.redact(l)), secrets, browser: m.browser };
}

async function probeReport(input: ProbeInput, server: ServerSpec, missingCreds: string | null, signal: AbortSignal, secrets: Secrets, startedAt: Date, t0: number, say: (l: string) => void): Promise<Report> {
  const { module: m, uri } = input;
  const report = (checks: Check[], partial = signal.aborted) =>
    protocolReport({ servers: [server], checks, startedAt, durationMs: performance.now() - t0, partial, secrets });

  if (missingCreds !== null && server.uri.isTurn) {
    return report([
      makeCheck({ id: primaryCheckId(m, uri), kind: PRIMARY[m.prober], target: uri.canonical, transport: uri.transport, code: ProtocolCode.TURN_NO_CREDENTIALS, message: `module ${m.name}: ${missingCreds}`, durationMs: 0, details: {} }),
    ], false);
  }

  if (m.prober === 'stun' || m.prober === 'turn' || m.prober === 'relay') {
    const stepMs = nodeStepMs(uri.host, input.timeoutMs, m.prober);
    const checks = await runProtocolProbes([server], {
      relayReach: m.prober === 'relay',
      timeoutMs: stepMs,
      signal,
      config: false,
      nat: false,
      pathQuality: false,
      dualStack: false,
      ...(m.extraCa.length > 0 ? { tls: { extraCa: m.extraCa } } : {}),
      ...(m.expectedRealm !== undefined ? { expectedRealm: m.expectedRealm } : {}),
    });
    return report(checks);
  }

  if (m.prober === 'tls') {
    const stepMs = nodeStepMs(uri.host, input.timeoutMs);
    const resolved = await resolveHost(uri.host, systemResolver, stepMs, () => performance.now());
    const checks: Check[] = [dnsCheck(uri.host, resolved)];
    if (resolved.address !== null) {
      checks.push(await probeTls(uri.host, resolved.address, uri.port, { timeoutMs: stepMs, clock: systemClock, signal, ...(m.extraCa.length > 0 ? { tls: { extraCa: m.extraCa } } : {}) }));
    }
    return report(checks);
  }

  // gather / call: check() on the warm browser of the module's engine.
  const browser = input.browser;
  const engine = m.browser ?? 'chromium';
  const stepMs = browserStepMs(m.prober, input.timeoutMs, m.callDurationS);
  const unavailable = (why: string) =>
    report([makeCheck({ id: primaryCheckId(m, uri), kind: PRIMARY[m.prober], target: uri.canonical, transport: uri.transport, code: ExporterCode.BROWSER_UNAVAILABLE, message: secrets.redact(why), durationMs: performance.now() - t0, details: {} })], false);
  if (!browser) return unavailable('this exporter has no browser');
  say(`browser ${engine}, step bound ${stepMs} ms`);
  try {
    return await browser.use(engine, (owner) =>
      check({
        config: { iceServers: [{ urls: uri.canonical, ...(server.username !== null ? { username: server.username } : {}), ...(server.credential !== null ? { credential: server.credential } : {}) }] },
        env: {},
        timeoutMs: stepMs,
        protocol: false,
        calls: m.prober === 'call',
        relayCallsOnly: true,
        durationS: m.callDurationS,
        insecureTls: input.browserInsecureTls ?? false,
        browsers: [engine],
        browser: owner,
        signal,
        onProgress: (e) => {
          if (e.type === 'stage') say(`stage ${e.stage}`);
        },
      }),
      signal,
    );
  } catch (e) {
    if (e instanceof ConfigError) throw e; // a bug in how the exporter builds check()'s config
    if (e instanceof BrowserWaitAborted) {
      // Out of time (or the scraper left) before the browser was up: nothing was probed. The
      // launch goes on; runProbe names a stop by the probe's own bound TIMEOUT.
      say(`stopped while ${engine} was still starting`);
      return report([makeCheck({ id: primaryCheckId(m, uri), kind: PRIMARY[m.prober], target: uri.canonical, transport: uri.transport, code: ProtocolCode.ABORTED, message: `stopped after ${Math.round(performance.now() - t0)} ms while ${engine} was still starting (it keeps starting for the next probe)`, durationMs: performance.now() - t0, details: { browserStarting: true } })], true);
    }
    const measured = (e as { report?: Report }).report;
    if (measured) return measured; // RunError: what was measured, redacted by check()
    return unavailable(`browser: ${(e as Error).message.split('\n')[0] ?? String(e)}`);
  }
}
