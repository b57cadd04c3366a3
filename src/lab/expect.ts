/**
 * Evaluates a scenario's expectations against an iceprobe report (and the lab's own
 * measurements). Pure: report + facts in, one result per expectation out. How a report is read
 * (which checks count for a transport, where throughput and loss live) is in small named
 * functions so the contract with `iceprobe check` can be adjusted in one place.
 */
import type { Report } from '../report/schema.js';
import type { Scenario } from './scenario.js';

export interface ExpectationResult {
  /** e.g. "findings.present.UDP_BLOCKED", "transports.udp", "groundTruth.throughputWithinPercent". */
  id: string;
  /** Where the actual value came from: iceprobe's report or the lab's independent measurement. */
  source: 'report' | 'lab';
  expected: unknown;
  actual: unknown;
  pass: boolean;
}

/** What the lab knows (addresses) and measured itself. */
export interface LabFacts {
  routerPublicIp: string;
  measured?: LabMeasurements;
}

export interface LabMeasurements {
  /** TCP goodput client → server through the router, bits/s. */
  upBitsPerSecond?: number;
  downBitsPerSecond?: number;
  /** One-way UDP loss client → server and back, percent. */
  upLossPercent?: number;
  downLossPercent?: number;
  /** Mapped addresses seen by the two TURN server addresses from one client socket. */
  mappings?: ({ address: string; port: number } | null)[];
  /** Hole punching between the two sites succeeded. */
  directPath?: boolean;
}

const TRANSPORT_KINDS = new Set(['gather', 'turn-allocate']);

/** pass: some gather/allocate check over that transport passed; fail: there were some, none passed. */
export function transportOutcome(report: Report, transport: 'udp' | 'tcp' | 'tls'): 'pass' | 'fail' | 'absent' {
  const checks = report.checks.filter((c) => c.transport === transport && TRANSPORT_KINDS.has(c.kind));
  if (checks.length === 0) return 'absent';
  return checks.some((c) => c.status === 'pass') ? 'pass' : 'fail';
}

/** Throughput of the best relayed call (bits/s on the transport), or null. */
export function reportedThroughput(report: Report): number | null {
  const xs = (report.calls ?? []).filter((c) => c.policy === 'relay' && c.throughput).map((c) => c.throughput?.bitsPerSecond ?? 0);
  return xs.length > 0 ? Math.max(...xs) : null;
}

/** Loss the report measured, in percent: calls[].media.lossPercent or a check's details.lossPercent. */
export function reportedLossPercent(report: Report): number | null {
  for (const c of report.calls ?? []) {
    const v = (c.media as Record<string, unknown> | null | undefined)?.lossPercent;
    if (typeof v === 'number') return v;
  }
  for (const c of report.checks) {
    const v = c.details.lossPercent;
    if (typeof v === 'number') return v;
  }
  return null;
}

const within = (actual: number, target: number, pct: number) => Math.abs(actual - target) <= (target * pct) / 100;

export function evaluateExpectations(scenario: Scenario, report: Report | null, facts: LabFacts): ExpectationResult[] {
  const out: ExpectationResult[] = [];
  const e = scenario.expect;
  const gt = e.groundTruth;
  const m = facts.measured ?? {};

  if (report) {
    const codes = new Set(report.findings.map((f) => f.code));
    for (const c of e.findings.present) out.push({ id: `findings.present.${c}`, source: 'report', expected: true, actual: codes.has(c), pass: codes.has(c) });
    for (const c of e.findings.absent) out.push({ id: `findings.absent.${c}`, source: 'report', expected: false, actual: codes.has(c), pass: !codes.has(c) });
    for (const t of ['udp', 'tcp', 'tls'] as const) {
      const want = e.transports[t];
      if (want === undefined) continue;
      const got = transportOutcome(report, t);
      out.push({ id: `transports.${t}`, source: 'report', expected: want, actual: got, pass: got === want });
    }
    if (gt.srflxIsRouterPublic !== undefined) {
      const srflx = report.candidates.filter((c) => c.type === 'srflx').map((c) => c.address);
      const allRouter = srflx.length > 0 && srflx.every((a) => a === facts.routerPublicIp);
      const noneRouter = srflx.length > 0 && srflx.every((a) => a !== facts.routerPublicIp);
      out.push({ id: 'groundTruth.srflxIsRouterPublic', source: 'report', expected: gt.srflxIsRouterPublic, actual: srflx, pass: gt.srflxIsRouterPublic ? allRouter : noneRouter });
    }
    if (gt.throughputWithinPercent !== undefined && scenario.rateLimit) {
      const bps = reportedThroughput(report);
      const target = scenario.rateLimit.bitsPerSecond;
      out.push({ id: 'groundTruth.throughputWithinPercent', source: 'report', expected: { target, percent: gt.throughputWithinPercent }, actual: bps, pass: bps !== null && within(bps, target, gt.throughputWithinPercent) });
    }
    if (gt.lossNearPercent !== undefined && scenario.loss) {
      const loss = reportedLossPercent(report);
      out.push({ id: 'groundTruth.lossNearPercent', source: 'report', expected: { target: scenario.loss.percent, points: gt.lossNearPercent }, actual: loss, pass: loss !== null && Math.abs(loss - scenario.loss.percent) <= gt.lossNearPercent });
    }
    if (gt.relayNeeded !== undefined) {
      const has = codes.has('RELAY_REQUIRED');
      out.push({ id: 'groundTruth.relayNeeded', source: 'report', expected: gt.relayNeeded, actual: has, pass: has === gt.relayNeeded });
    }
  }

  // The lab's own measurements: if these fail, the lab (not iceprobe) is wrong.
  if (gt.throughputWithinPercent !== undefined && scenario.rateLimit && m.upBitsPerSecond !== undefined) {
    const target = scenario.rateLimit.bitsPerSecond;
    out.push({ id: 'groundTruth.throughputWithinPercent', source: 'lab', expected: { target, percent: gt.throughputWithinPercent }, actual: m.upBitsPerSecond, pass: within(m.upBitsPerSecond, target, gt.throughputWithinPercent) });
  }
  if (gt.lossNearPercent !== undefined && scenario.loss && m.upLossPercent !== undefined) {
    out.push({ id: 'groundTruth.lossNearPercent', source: 'lab', expected: { target: scenario.loss.percent, points: gt.lossNearPercent }, actual: m.upLossPercent, pass: Math.abs(m.upLossPercent - scenario.loss.percent) <= gt.lossNearPercent });
  }
  if (gt.srflxIsRouterPublic !== undefined && m.mappings !== undefined) {
    const addrs = m.mappings.map((x) => x?.address ?? null);
    const ok = addrs.length > 0 && addrs.every((a) => a !== null && (a === facts.routerPublicIp) === gt.srflxIsRouterPublic);
    out.push({ id: 'groundTruth.srflxIsRouterPublic', source: 'lab', expected: gt.srflxIsRouterPublic, actual: addrs, pass: ok });
  }
  if (gt.relayNeeded !== undefined && m.directPath !== undefined) {
    out.push({ id: 'groundTruth.relayNeeded', source: 'lab', expected: gt.relayNeeded, actual: !m.directPath, pass: m.directPath === !gt.relayNeeded });
  }
  return out;
}
