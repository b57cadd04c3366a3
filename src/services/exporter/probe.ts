/**
 * One probe: a module and a target in, a redacted Report and the verdict out. Nothing is probed
 * here by hand: Node-side modules run iceprobe's protocol probes (src/probes-node), browser
 * modules run check() (src/run/check.ts) on the exporter's warm browser, so an exporter probe
 * and `iceprobe check` of the same URL measure the same way and name outcomes with the same codes.
 *
 * Network outcomes are data (codes in the Report); this only throws for internal errors.
 */
import { isIP } from 'node:net';
import type { BrowserOwner } from '../../browser/owner.js';
import type { ServerSpec } from '../../config/config.js';
import { CheckCode, ProtocolCode } from '../../core/codes.js';
import { ConfigError } from '../../core/errors.js';
import { Secrets } from '../../core/redact.js';
import type { Check, Report } from '../../core/schema.js';
import type { IceUri } from '../../core/uri.js';
import { dnsCheck, probeTls, resolveHost, runProtocolProbes, systemResolver, RELAY_REACH_DEFAULTS } from '../../probes-node/index.js';
import { makeCheck } from '../../probes-node/check.js';
import { systemClock } from '../../net/clock.js';
import { check } from '../../run/check.js';
import { ExporterCode } from './codes.js';
import { probeCredentials } from './credentials.js';
import type { ExporterModule } from './modules.js';
import { protocolReport } from './report.js';


/** Something that lends a browser for the length of `fn` (browser-pool.ts). */
export interface BrowserLender {
  use<T>(fn: (b: BrowserOwner) => Promise<T>): Promise<T>;
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

/** Pure: the verdict of a report for a module. */
export function verdict(report: Report, prober: ExporterModule['prober']): { success: boolean; failureCodes: string[] } {
  const checks = report.checks.filter((c) => c.kind !== 'config');
  const failed = [...new Set(checks.filter((c) => c.status === 'fail').map((c) => c.code))];
  const primary = checks.filter((c) => c.kind === PRIMARY[prober]);
  const answered = primary.some((c) => c.status === 'pass' || c.status === 'warn');
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
  return { report, ...v, durationS, log: log.map((l) => secrets.redact(l)), secrets };
}

async function probeReport(input: ProbeInput, server: ServerSpec, missingCreds: string | null, signal: AbortSignal, secrets: Secrets, startedAt: Date, t0: number, say: (l: string) => void): Promise<Report> {
  const { module: m, uri } = input;
  const report = (checks: Check[], partial = signal.aborted) =>
    protocolReport({ servers: [server], checks, startedAt, durationMs: performance.now() - t0, partial, secrets });

  if (missingCreds !== null && server.uri.isTurn) {
    return report([
      makeCheck({ id: `${PRIMARY[m.prober]}:${uri.canonical}`, kind: PRIMARY[m.prober], target: uri.canonical, transport: uri.transport, code: ProtocolCode.TURN_NO_CREDENTIALS, message: `module ${m.name}: ${missingCreds}`, durationMs: 0, details: {} }),
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

  // gather / call: check() on the warm browser.
  const browser = input.browser;
  const stepMs = browserStepMs(m.prober, input.timeoutMs, m.callDurationS);
  const unavailable = (why: string) =>
    report([makeCheck({ id: `${m.prober}:${uri.canonical}`, kind: PRIMARY[m.prober], target: uri.canonical, transport: uri.transport, code: ExporterCode.BROWSER_UNAVAILABLE, message: secrets.redact(why), durationMs: performance.now() - t0, details: {} })], false);
  if (!browser) return unavailable('this exporter has no browser');
  say(`browser step bound ${stepMs} ms`);
  try {
    return await browser.use((owner) =>
      check({
        config: { iceServers: [{ urls: uri.canonical, ...(server.username !== null ? { username: server.username } : {}), ...(server.credential !== null ? { credential: server.credential } : {}) }] },
        env: {},
        timeoutMs: stepMs,
        protocol: false,
        calls: m.prober === 'call',
        relayCallsOnly: true,
        durationS: m.callDurationS,
        insecureTls: input.browserInsecureTls ?? false,
        browser: owner,
        signal,
        onProgress: (e) => {
          if (e.type === 'stage') say(`stage ${e.stage}`);
        },
      }),
    );
  } catch (e) {
    if (e instanceof ConfigError) throw e; // a bug in how the exporter builds check()'s config
    const report = (e as { report?: Report }).report;
    if (report) return report; // RunError: what was measured, redacted by check()
    return unavailable(`browser: ${(e as Error).message.split('\n')[0] ?? String(e)}`);
  }
}
