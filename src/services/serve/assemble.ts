/**
 * Pure: a visit's raw browser observations → the same Report `iceprobe check` writes.
 *
 * The visitor's page runs probes/gather.ts and probes/call.ts (the CLI's own in-browser code);
 * this module judges what it posted with the CLI's own pure functions (judgeGather,
 * judgeGatherAll, planCalls, judgeCall, configChecks) and assembles the report with check's own
 * assembleReport (src/run/assemble.ts). Nothing here touches a socket, a clock or a browser.
 *
 * Node protocol probes are deliberately absent: they would measure the *server's* network, and
 * the diagnosis would cross-check them against the visitor's browser as if both stood in one place.
 */
import { CheckCode } from '../../core/codes.js';
import type { ServerSpec } from '../../config/config.js';
import { iceServer } from '../../config/ice-server.js';
import { browserRefusal, browserUrl, browserUsable, gatherSpec, judgeGather, judgeGatherAll, natEvidenceServers, sharedGatherSpec } from '../../browser/gather.js';
import { GATHER_ALL_ID } from '../../core/ids.js';
import { judgeCall, notRunCall, planCalls, type PlannedCall } from '../../browser/calls.js';
import { configChecks } from '../../probes-node/port-policy.js';
import { assembleReport } from '../../run/assemble.js';
import type { Call, Candidate, Check, Report } from '../../core/schema.js';
import type { Secrets } from '../../core/redact.js';
import type { CallResult, GatherResult, GatherSpec } from '../../../probes/types.js';

export { browserUsable };

export interface GatherPlan {
  /** In this order the page runs gather() and posts the results. */
  specs: GatherSpec[];
  /** Outcomes known without a browser (port policy, unsupported schemes). */
  staticChecks: Check[];
}

/** Which gatherings the page runs: one per usable URL, plus the shared NAT-evidence one. */
export function planGather(servers: readonly ServerSpec[], timeoutMs: number): GatherPlan {
  const specs: GatherSpec[] = [];
  const staticChecks: Check[] = [];
  for (const s of servers) {
    const refused = browserRefusal(s);
    if (refused) staticChecks.push(refused);
    else specs.push(gatherSpec(s, timeoutMs));
  }
  const shared = sharedGatherSpec(servers, timeoutMs);
  if (shared) specs.push(shared);
  return { specs, staticChecks };
}

export class ObservationMismatch extends Error {}

/** Judges the page's gather results against the plan; a result for another URL is a tampered post. */
export function judgeGathered(servers: readonly ServerSpec[], plan: GatherPlan, results: readonly GatherResult[]): { checks: Check[]; candidates: Candidate[] } {
  if (results.length !== plan.specs.length) {
    throw new ObservationMismatch(`results: expected ${plan.specs.length} gather results, got ${results.length}`);
  }
  const checks: Check[] = [...plan.staticChecks];
  const candidates: Candidate[] = [];
  plan.specs.forEach((spec, i) => {
    const r = results[i] as GatherResult;
    if (r.url !== spec.url) throw new ObservationMismatch(`results[${i}].url: expected the result for the planned URL #${i + 1}`);
    const verdict =
      spec.url === GATHER_ALL_ID
        ? judgeGatherAll(natEvidenceServers(servers), r)
        : judgeGather(servers.find((s) => browserUrl(s) === spec.url) as ServerSpec, r, spec.timeoutMs);
    checks.push(verdict.check);
    candidates.push(...verdict.candidates);
  });
  return { checks, candidates };
}

/** The calls to run, from the gather checks (same planner as check). */
export function planServeCalls(servers: readonly ServerSpec[], gatherChecks: readonly Check[]): PlannedCall[] {
  return planCalls(servers, gatherChecks, browserUsable);
}

/** RTCIceServer[] for one planned call. */
export function callIceServers(plan: PlannedCall): RTCIceServer[] {
  return plan.servers.map(iceServer);
}

/** A planned call that did not run (skipped by plan, or the page never posted it). */
export const notRun = notRunCall;

/** Both sides of one direction of a call; the caller pushes data to the callee. */
export interface CallSides {
  caller: CallResult | null;
  callee: CallResult | null;
}

/**
 * Judges one planned call. `up` is the visitor as caller (data visitor → echo peer): the call
 * entry's own numbers. `down` (echo peer → visitor), when measured, is the entry's `download`
 * (with a summary in the check's `details.download`); a failed download fails a relay call that
 * otherwise passed.
 */
export function judgeServeCall(plan: PlannedCall, up: CallSides, down: CallSides | null, durationMs: number): { call: Call; check: Check } {
  if (plan.skip) return notRun(plan, plan.skip, 'skip');
  if (!up.caller) return notRun(plan, 'the page did not report this call', 'fail');
  const upJ = judgeCall(plan, up.caller, up.callee, durationMs);
  if (!down) return upJ;
  if (!down.caller || !down.callee) {
    upJ.check.details.download = { status: 'fail', reason: 'the download direction was not measured' };
    upJ.call.download = { status: 'fail', code: plan.policy === 'relay' ? CheckCode.RELAY_CALL_FAILED : CheckCode.CALL_FAILED, failedPhase: null, setupMs: null, throughput: null };
    return upJ;
  }
  const d = judgeCall(plan, down.caller, down.callee, durationMs);
  upJ.call.download = { status: d.check.status, code: d.check.code, failedPhase: d.call.failedPhase, setupMs: d.call.setup.totalMs, throughput: d.call.throughput };
  upJ.check.details.download = {
    status: d.check.status,
    code: d.check.code,
    failedPhase: d.call.failedPhase,
    setupMs: d.call.setup.totalMs,
    bitsPerSecond: d.call.throughput?.bitsPerSecond ?? null,
    goodputBitsPerSecond: d.call.throughput?.goodputBitsPerSecond ?? null,
    bytes: d.call.throughput?.bytes ?? null,
    reason: d.check.details.reason ?? null,
  };
  if (d.check.status === 'fail' && upJ.check.status !== 'fail') {
    const code = plan.policy === 'relay' ? CheckCode.RELAY_CALL_FAILED : CheckCode.CALL_FAILED;
    upJ.check = { ...upJ.check, status: 'fail', code, message: `${upJ.check.message ?? ''}; the download direction failed: ${String(d.check.details.reason ?? d.check.code)}` };
    upJ.call = { ...upJ.call, status: 'fail', code, failedPhase: d.call.failedPhase };
  }
  return upJ;
}

export interface ServeReportInput {
  startedAt: Date;
  durationMs: number;
  servers: readonly ServerSpec[];
  embedded: boolean;
  /** The visitor's user agent, as its gather results reported it. */
  userAgent: string | null;
  gathered: { checks: Check[]; candidates: Candidate[] };
  calls: { call: Call; check: Check }[];
  partial: boolean;
  secrets: Secrets;
  tool: { version: string; node: string; platform: string };
  /** The camera/microphone check (src/services/serve/media.ts judgeMedia); serve always gives one. */
  media?: Check;
  /** The result id the page shows, and the visitor's User-Agent request header. */
  origin?: { resultId: string; userAgent: string | null };
}

/** Longest User-Agent kept in Report.origin (the schema's bound). */
export const USER_AGENT_MAX = 512;

/** "Chrome/126.0.0.0" → {name: chrome, version}; anything else is kept as the browser's own words. */
export function browserFromUserAgent(ua: string | null): { name: string; version: string } | null {
  if (!ua) return null;
  // Most specific first: Edge and Opera also say "Chrome/", Chrome also says "Safari/".
  const tokens: [RegExp, string][] = [
    [/Edg(?:e|A|iOS)?\/([\d.]+)/, 'edge'],
    [/OPR\/([\d.]+)/, 'opera'],
    [/Firefox\/([\d.]+)/, 'firefox'],
    [/Chrom(?:e|ium)\/([\d.]+)/, 'chrome'],
    [/Version\/([\d.]+).*Safari\//, 'safari'],
  ];
  for (const [re, name] of tokens) {
    const m = re.exec(ua);
    if (m) return { name, version: m[1] ?? '' };
  }
  return { name: 'browser', version: ua.slice(0, 200) };
}

export function buildServeReport(i: ServeReportInput): Report {
  return assembleReport({
    startedAt: i.startedAt,
    durationMs: i.durationMs,
    partial: i.partial,
    toolVersion: i.tool.version,
    ...(i.origin ? { origin: { kind: 'serve' as const, resultId: i.origin.resultId, userAgent: i.origin.userAgent === null ? null : i.origin.userAgent.slice(0, USER_AGENT_MAX) } } : {}),
    environment: {
      browser: browserFromUserAgent(i.userAgent),
      node: i.tool.node,
      platform: i.tool.platform,
      embeddedServer: i.embedded,
    },
    servers: i.servers,
    checks: [...(i.embedded ? [] : configChecks(i.servers)), ...i.gathered.checks, ...i.calls.map((c) => c.check), ...(i.media ? [i.media] : [])],
    calls: i.calls.map((c) => c.call),
    candidates: i.gathered.candidates,
    secrets: i.secrets,
  });
}
