/**
 * Evaluates a scenario's expectations against an iceprobe report (and the lab's own
 * measurements). Pure: report + facts in, one result per expectation out. How a report is read
 * (which checks count for a transport, where throughput and loss live) is in small named
 * functions so the contract with `iceprobe check` can be adjusted in one place.
 */
import { deliveredBitsPerSecond, steadyReceiveRate, steadyReceived } from '../../browser/calls.js';
import { SLOW_START_MS } from '../../core/defaults.js';
import { meltedDown } from '../../core/throughput.js';
import { parseDualStackId } from '../../core/ids.js';
import { gatherAllMappings } from '../../core/nat.js';
import type { Check, Report } from '../../core/schema.js';
import { median } from '../../core/stats.js';
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
  /** The site A client's own address: what a srflx is without NAT. */
  clientIp?: string;
  /** The site A client's IPv6 address (dual-stack scenarios). */
  clientIp6?: string | null;
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
  /** The TURN server's IPv6 address answered the lab's own STUN Binding (TCP) from the client. */
  ipv6ServerAnswers?: boolean;
  /** The lab's own UDP datagrams from the client reached a listener inside the server's relay port range. */
  relayRangeReachable?: boolean;
  /** The client namespace's usable global IPv6 addresses (`ip -6 addr`). */
  ipv6ClientAddresses?: string[];
  /**
   * The minimal two-peer page through the lab's TURN server, per TURN transport (reference.ts):
   * `bitsPerSecond` the median of its transfers' goodput after the same 1 s warm-up iceprobe's
   * headline leaves out (the figure judged), `wholeBitsPerSecond` with the ramp, `runs` each transfer's,
   * `linkRuns` what each one's receiving transport got meanwhile, `gapsMs` each one's longest quiet time.
   */
  referenceBitsPerSecond?: Partial<Record<'udp' | 'tcp' | 'tls', ReferenceFacts>>;
}

export interface ReferenceFacts {
  bitsPerSecond: number;
  wholeBitsPerSecond: number;
  runs: number[];
  linkRuns?: (number | null)[];
  gapsMs?: number[];
  ok: boolean;
  error: string | null;
}

/** Checks that say whether TURN over a transport works: the browser's and Node's view of turn(s): URLs. */
function isTurnCheck(c: Check): boolean {
  if (c.kind === 'turn-allocate') return true;
  return c.kind === 'gather' && /^turns?:/.test(c.target);
}

/**
 * A transport "passes" when TURN over it works: some gather/allocate check of a turn(s): URL
 * over that transport passed; "fail": there were some, none passed. STUN (stun: URLs over UDP)
 * is not counted: a working STUN server with a refused TURN allocation is still no relay.
 */
export function transportOutcome(report: Report, transport: 'udp' | 'tcp' | 'tls'): 'pass' | 'fail' | 'absent' {
  const checks = report.checks.filter((c) => c.transport === transport && isTurnCheck(c));
  if (checks.length === 0) return 'absent';
  return checks.some((c) => c.status === 'pass') ? 'pass' : 'fail';
}

/**
 * Bytes per packet below the callee's transport counter on the shaped leg (caller → TURN over
 * IPv4/UDP): TURN ChannelData header 4 (RFC 8656 §12.4) + UDP 8 (RFC 768) + IPv4 20 (RFC 791)
 * + Ethernet II 14. tbf on a veth counts whole frames, so the counter alone reads ~4 % low.
 */
export const RELAY_UDP_WIRE_OVERHEAD_BYTES = 4 + 8 + 20 + 14;

export interface ReportedRate {
  callId: string;
  /**
   * The figure judged: the callee's steady receive rate (median over its intervals after the
   * warm-up, calls.ts steadyReceiveRate) plus its acknowledgements, each packet's headers added
   * back, so it is in the shaper's own unit.
   */
  steadyBitsPerSecond: number;
  /** The same without the headers: the report's receivedBitsPerSecond. */
  receivedBitsPerSecond: number | null;
  /** The sender's transport-counter median after warm-up, for the record. */
  senderSteadyBitsPerSecond: number | null;
  /** What the callee's application received (goodput), for the record. */
  deliveredBitsPerSecond: number | null;
  /** The sender's whole-run average (calls[].throughput.sentBitsPerSecond), for the record. */
  averageBitsPerSecond: number;
  /** The callee's steady intervals. */
  samples: number;
}

/**
 * The rate the shaper let through, from iceprobe's report: the relay-forced TURN/UDP call's
 * callee receive counters. The caller overshoots a tbf link (its counter read 5.9–6.4 Mbit/s
 * on 4 Mbit/s: dcSCTP keeps sending into the drops) and the callee's goodput sits far below it
 * (1.9–2.3: loss recovery), but while the sender overshoots, the bottleneck is saturated, so
 * what arrives per interval is the bottleneck's rate. null without such a call.
 */
export function reportedRelayRate(report: Report): ReportedRate | null {
  const call = (report.calls ?? []).find((c) => c.policy === 'relay' && c.peer !== 'direct' && c.transport === 'udp' && c.throughput);
  const t = call?.throughput;
  const received = t?.receivedSamples ?? [];
  // Both pages sit behind the lab's one shaped link, so each direction of it carries the data
  // (caller → TURN up, TURN → callee down) and the callee's acknowledgements (callee → TURN up,
  // TURN → caller down): the shaper's rate is their sum.
  const wire = steadyReceiveRate(received, { perPacketOverheadBytes: RELAY_UDP_WIRE_OVERHEAD_BYTES, withReverse: true });
  if (!call || !t || wire === null) return null;
  const steady = t.samples.filter((x) => x.atMs > SLOW_START_MS).map((x) => x.bitsPerSecond);
  return {
    callId: call.id,
    steadyBitsPerSecond: wire,
    receivedBitsPerSecond: t.receivedBitsPerSecond ?? null,
    senderSteadyBitsPerSecond: steady.length ? Math.round(median(steady)) : null,
    averageBitsPerSecond: t.sentBitsPerSecond ?? t.bitsPerSecond,
    samples: steadyReceived(received).length,
    deliveredBitsPerSecond: deliveredBitsPerSecond(t),
  };
}

/**
 * iceprobe's relay-reach checks: how many classified the relayed address (and found it the
 * server's), how many sent datagrams through it (and got them back as Data indications).
 */
export function relayReachOutcome(report: Report): { classified: number; isServer: number; tested: number; reachable: number; codes: string[] } {
  const reach = report.checks.filter((c) => c.kind === 'relay-reach');
  const classified = reach.filter((c) => typeof c.details.relayedAddressIsServer === 'boolean');
  const tested = reach.filter((c) => c.details.inbound !== undefined);
  return {
    classified: classified.length,
    isServer: classified.filter((c) => c.details.relayedAddressIsServer === true).length,
    tested: tested.length,
    reachable: tested.filter((c) => ((c.details.inbound as { received?: number }).received ?? 0) > 0).length,
    codes: [...new Set(reach.map((c) => c.code))],
  };
}

/** The headline figure (throughput.bitsPerSecond) of the relay-forced call over `t`, both peers relayed; null without one. */
export function relayCallHeadline(report: Report, t: 'udp' | 'tcp' | 'tls'): number | null {
  const call = (report.calls ?? []).find((c) => c.policy === 'relay' && c.peer !== 'direct' && c.transport === t && c.throughput);
  return call?.throughput?.bitsPerSecond ?? null;
}

export interface ReportedLoss {
  sent: number;
  received: number;
  roundTripLossPercent: number;
  oneWayLossPercent: number;
  checkIds: string[];
}

/**
 * Loss measured by iceprobe's path-quality bursts (STUN Bindings over UDP), pooled over every
 * burst in the report (more requests, a tighter estimate). A call cannot show loss: the data
 * channel is reliable. null when no burst got an answer.
 */
export function reportedLoss(report: Report): ReportedLoss | null {
  let sent = 0;
  let received = 0;
  const checkIds: string[] = [];
  for (const c of report.checks) {
    if (c.kind !== 'path-quality') continue;
    const s = c.details.sent;
    const r = c.details.received;
    if (typeof s !== 'number' || typeof r !== 'number' || r === 0) continue;
    sent += s;
    received += r;
    checkIds.push(c.id);
  }
  if (sent === 0) return null;
  const rt = (100 * (sent - received)) / sent;
  return { sent, received, roundTripLossPercent: rt, oneWayLossPercent: (1 - Math.sqrt(1 - rt / 100)) * 100, checkIds };
}

/** What a loss rule on the router does to a UDP round trip: up and down both drop with p. */
export function expectedLoss(loss: NonNullable<Scenario['loss']>): { oneWay: number | null; roundTrip: number } {
  const p = loss.protocol === 'tcp' ? 0 : loss.percent / 100;
  const up = loss.direction === 'down' ? 0 : p;
  const down = loss.direction === 'up' ? 0 : p;
  return { oneWay: up === down ? up * 100 : null, roundTrip: (1 - (1 - up) * (1 - down)) * 100 };
}

/** STUN servers the lab's check config bursts at (labCheckConfig: two stun: URLs, two hosts). */
export const LAB_LOSS_BURSTS = 2;

/**
 * Requests per path-quality burst so that the pooled estimate lands within the scenario's
 * `lossNearPercent` of the truth at 4 standard errors (a false alarm about 1 run in 16 000):
 * binomial SE of the round-trip loss over LAB_LOSS_BURSTS × n requests, carried to the one-way
 * figure (1 − √(1 − rt)) by its derivative when that is what is judged. null when the
 * scenario judges no loss.
 */
export function lossProbesNeeded(scenario: Scenario): number | null {
  const points = scenario.expect.groundTruth.lossNearPercent;
  if (points === undefined || !scenario.loss) return null;
  const want = expectedLoss(scenario.loss);
  const rt = want.roundTrip / 100;
  const slope = want.oneWay !== null ? 1 / (2 * Math.sqrt(1 - rt)) : 1;
  const allowedSe = points / 100 / 4;
  const total = (rt * (1 - rt) * slope ** 2) / allowedSe ** 2;
  return Math.ceil(total / LAB_LOSS_BURSTS);
}

/**
 * srflx candidates of `gather:all` (one RTCPeerConnection, one socket, both STUN servers), by
 * local base (core/nat.ts): whether the public port differs per destination.
 */
export function srflxPerDestination(report: Report): { bases: number; differing: number; mappings: string[] } {
  const { mappings, differing } = gatherAllMappings(report.candidates);
  return { bases: mappings.length, differing: differing.length, mappings: mappings.flatMap((m) => [...new Set(Object.values(m.byServer))]) };
}

const within = (actual: number, target: number, pct: number) => Math.abs(actual - target) <= (target * pct) / 100;

/**
 * Whether one of the minimal page's transfers melted down by the product's own two signs
 * (core/throughput.ts meltdownOf): its application got nothing for STALL_MIN_MS or more, or its
 * transport received DUPLICATE_RATIO times what it delivered. Such a transfer says what SCTP did
 * in that draw, not what the link carries: CI, rate-limited-20, TURN/TCP, the page's three
 * transfers delivered 11.2, 11.5 and 10.0 Mbit/s where unmelted ones deliver 16-17, and a healthy
 * iceprobe headline of 14.7 failed against them. Without the page's link counter only the stall counts.
 */
export function referenceTransferMelted(deliveredBitsPerSecond: number, linkBitsPerSecond: number | null | undefined, longestGapMs: number | undefined): boolean {
  const ratio = typeof linkBitsPerSecond === 'number' && deliveredBitsPerSecond > 0 ? linkBitsPerSecond / deliveredBitsPerSecond : null;
  return meltedDown(longestGapMs ?? 0, ratio);
}

export type ReferenceJudgement = { pass: boolean; by: 'band' | 'reference-spread' | 'reference-link' | 'none'; against: number | null };

/**
 * A headline against the minimal page's transfers over the same URL and link, leaving out the
 * page's own melted-down transfers (referenceTransferMelted). Within ±pct % of the median of the
 * rest passes (all of them when every one melted). So does a headline within ±pct % of the range
 * of those transfers when that range is wider than pct % of their median (then the page's own
 * run-to-run variation, not iceprobe, sets the fidelity any single transfer can have: seen on
 * TURN/TLS at 4 Mbit/s, whose reference transfers read 2.0-3.2 Mbit/s in one run). And so does a
 * headline above that, up to what the page's own link carried in its best transfer: the page then
 * delivered less than its link carried by more than framing accounts for (3-9 % on the lab's
 * links), so it half melted down, and no application can get more than the link carries (lab,
 * rate-limited-20, TURN/TCP: the page 10.9, 5.2 and 14.5 Mbit/s, the last at 1.23x on its link of
 * 17.8, iceprobe 16.9 at 1.06x). Never below the band, above the shaper's rate, or against a
 * reference that failed.
 */
export function judgeAgainstReference(headline: number | null, ref: Pick<ReferenceFacts, 'bitsPerSecond' | 'runs' | 'linkRuns' | 'gapsMs' | 'ok'>, pct: number, limit: number): ReferenceJudgement {
  if (!ref.ok || headline === null || headline > limit || ref.runs.length === 0) return { pass: false, by: 'none', against: null };
  const healthy = ref.runs.filter((d, i) => !referenceTransferMelted(d, ref.linkRuns?.[i], ref.gapsMs?.[i]));
  const counted = healthy.length > 0 ? healthy : ref.runs;
  const target = Math.round(median(counted));
  const judged = (by: ReferenceJudgement['by']): ReferenceJudgement => ({ pass: by !== 'none', by, against: target });
  if (within(headline, target, pct)) return judged('band');
  // The band around each end of the range: a figure within ±pct % of one of the minimal page's
  // own (unmelted) transfers is one a plain application got on this link.
  const lo = Math.min(...counted) * (1 - pct / 100);
  const hi = Math.max(...counted) * (1 + pct / 100);
  const spreadWide = Math.max(...counted) - Math.min(...counted) > (target * pct) / 100;
  if (spreadWide && headline >= lo && headline <= hi) return judged('reference-spread');
  const links = ref.linkRuns?.filter((x): x is number => typeof x === 'number') ?? [];
  if (headline > target && links.length > 0 && headline <= Math.max(...links)) return judged('reference-link');
  return judged('none');
}

export function evaluateExpectations(scenario: Scenario, report: Report | null, facts: LabFacts): ExpectationResult[] {
  const out: ExpectationResult[] = [];
  const e = scenario.expect;
  const gt = e.groundTruth;
  const m = facts.measured ?? {};

  if (report) {
    const codes = new Set(report.findings.map((f) => f.code));
    out.push({ id: 'report.scenario', source: 'report', expected: scenario.name, actual: report.scenario ?? null, pass: report.scenario === scenario.name });
    for (const c of e.findings.present) out.push({ id: `findings.present.${c}`, source: 'report', expected: true, actual: codes.has(c), pass: codes.has(c) });
    for (const c of e.findings.absent) out.push({ id: `findings.absent.${c}`, source: 'report', expected: false, actual: codes.has(c), pass: !codes.has(c) });
    for (const t of ['udp', 'tcp', 'tls'] as const) {
      const want = e.transports[t];
      if (want === undefined) continue;
      const got = transportOutcome(report, t);
      out.push({ id: `transports.${t}`, source: 'report', expected: want, actual: got, pass: got === want });
    }
    if (gt.srflxIsRouterPublic !== undefined) {
      // Behind the NAT every srflx is the router's public address; without NAT it is the client's own.
      // The NAT is IPv4's: IPv6 is routed (no NAT66), so an IPv6 srflx is the client's own address.
      const srflx = report.candidates.filter((c) => c.type === 'srflx' && c.family !== 'ipv6').map((c) => c.address);
      const want = gt.srflxIsRouterPublic ? facts.routerPublicIp : (facts.clientIp ?? null);
      const pass = srflx.length > 0 && srflx.every((a) => (want !== null ? a === want : a !== facts.routerPublicIp));
      out.push({ id: 'groundTruth.srflxIsRouterPublic', source: 'report', expected: { srflx: want ?? `not ${facts.routerPublicIp}` }, actual: srflx, pass });
    }
    if (gt.srflxPortDiffersPerDestination !== undefined) {
      const d = srflxPerDestination(report);
      const pass = d.bases > 0 && (gt.srflxPortDiffersPerDestination ? d.differing > 0 : d.differing === 0);
      out.push({ id: 'groundTruth.srflxPortDiffersPerDestination', source: 'report', expected: gt.srflxPortDiffersPerDestination, actual: d, pass });
    }
    if (gt.throughputWithinPercent !== undefined && scenario.rateLimit) {
      const r = reportedRelayRate(report);
      const target = scenario.rateLimit.bitsPerSecond;
      out.push({ id: 'groundTruth.throughputWithinPercent', source: 'report', expected: { target, percent: gt.throughputWithinPercent }, actual: r, pass: r !== null && within(r.steadyBitsPerSecond, target, gt.throughputWithinPercent) });
    }
    if (gt.throughputVsReferencePercent !== undefined && scenario.rateLimit) {
      const pct = gt.throughputVsReferencePercent;
      const limit = scenario.rateLimit.bitsPerSecond;
      for (const t of ['udp', 'tcp', 'tls'] as const) {
        const ref = m.referenceBitsPerSecond?.[t];
        if (!ref) continue;
        const headline = relayCallHeadline(report, t);
        const judged = judgeAgainstReference(headline, ref, pct, limit);
        out.push({
          id: `groundTruth.throughputVsReferencePercent.${t}`,
          source: 'report',
          expected: { reference: ref.ok ? judged.against : null, runs: ref.runs, linkRuns: ref.linkRuns ?? null, gapsMs: ref.gapsMs ?? null, percent: pct, atMost: limit },
          actual: { headline, by: judged.by },
          pass: judged.pass,
        });
      }
    }
    if (gt.lossNearPercent !== undefined && scenario.loss) {
      const loss = reportedLoss(report);
      const want = expectedLoss(scenario.loss);
      // Symmetric loss: compare the one-way estimate; otherwise the round trip, which is what the burst sees.
      const got = loss === null ? null : want.oneWay !== null ? loss.oneWayLossPercent : loss.roundTripLossPercent;
      const target = want.oneWay ?? want.roundTrip;
      out.push({
        id: 'groundTruth.lossNearPercent',
        source: 'report',
        expected: { target, points: gt.lossNearPercent, figure: want.oneWay !== null ? 'one-way' : 'round-trip' },
        actual: loss,
        pass: got !== null && Math.abs(got - target) <= gt.lossNearPercent,
      });
    }
    if (gt.relayNeeded !== undefined) {
      // iceprobe's verdict from site A (RELAY_REQUIRED); the scenario's relayNeeded is checked
      // against the NAT types when it is parsed, and against real hole punching below.
      const has = codes.has('RELAY_REQUIRED');
      out.push({ id: 'groundTruth.relayNeeded', source: 'report', expected: gt.relayNeeded, actual: has, pass: has === gt.relayNeeded });
    }
    if (gt.ipv6HostCandidate !== undefined) {
      // The browser in the client namespace sees its own IPv6 address as a host candidate.
      const v6 = [...new Set(report.candidates.filter((c) => c.family === 'ipv6').map((c) => `${c.type} ${c.address}`))];
      const has = report.candidates.some((c) => c.type === 'host' && c.family === 'ipv6' && c.address === facts.clientIp6);
      const pass = gt.ipv6HostCandidate ? has : v6.length === 0;
      out.push({ id: 'groundTruth.ipv6HostCandidate', source: 'report', expected: gt.ipv6HostCandidate ? { host: facts.clientIp6 ?? null } : 'no IPv6 candidate', actual: v6, pass });
    }
    if (gt.ipv6ServerAnswers !== undefined) {
      // iceprobe's Node probes of the name's AAAA: every twin passes when IPv6 works, none when it does not.
      const twins = report.checks.filter((c) => parseDualStackId(c.id) !== null);
      const passed = twins.filter((c) => c.status === 'pass').length;
      const pass = twins.length > 0 && (gt.ipv6ServerAnswers ? passed === twins.length : passed === 0);
      out.push({ id: 'groundTruth.ipv6ServerAnswers', source: 'report', expected: gt.ipv6ServerAnswers, actual: { twins: twins.length, passed, codes: [...new Set(twins.map((c) => c.code))] }, pass });
    }
    if (gt.relayReachable !== undefined) {
      // iceprobe's relay-reach checks that tested the relay (not skipped, not misaddressed).
      const r = relayReachOutcome(report);
      out.push({ id: 'groundTruth.relayReachable', source: 'report', expected: gt.relayReachable, actual: r, pass: r.tested > 0 && (gt.relayReachable ? r.reachable === r.tested : r.reachable === 0) });
    }
    if (gt.relayAddressIsServer !== undefined) {
      const r = relayReachOutcome(report);
      out.push({ id: 'groundTruth.relayAddressIsServer', source: 'report', expected: gt.relayAddressIsServer, actual: r, pass: r.classified > 0 && (gt.relayAddressIsServer ? r.isServer === r.classified : r.isServer === 0) });
    }
  }

  // The lab's own measurements: if these fail, the lab (not iceprobe) is wrong.
  if (gt.relayReachable !== undefined && m.relayRangeReachable !== undefined) {
    out.push({ id: 'groundTruth.relayReachable', source: 'lab', expected: gt.relayReachable, actual: m.relayRangeReachable, pass: m.relayRangeReachable === gt.relayReachable });
  }
  if (gt.relayAddressIsServer !== undefined) {
    // What the lab configured: coturn advertises externalIp (no namespace holds it) or its own relay address.
    const own = scenario.turn.externalIp === undefined;
    out.push({ id: 'groundTruth.relayAddressIsServer', source: 'lab', expected: gt.relayAddressIsServer, actual: own, pass: own === gt.relayAddressIsServer });
  }
  if (gt.throughputWithinPercent !== undefined && scenario.rateLimit && m.upBitsPerSecond !== undefined) {
    const target = scenario.rateLimit.bitsPerSecond;
    out.push({ id: 'groundTruth.throughputWithinPercent', source: 'lab', expected: { target, percent: gt.throughputWithinPercent }, actual: m.upBitsPerSecond, pass: within(m.upBitsPerSecond, target, gt.throughputWithinPercent) });
  }
  if (gt.throughputVsReferencePercent !== undefined && scenario.rateLimit && m.referenceBitsPerSecond) {
    // The reference itself must be physically possible and have measured something.
    const limit = scenario.rateLimit.bitsPerSecond;
    for (const [t, ref] of Object.entries(m.referenceBitsPerSecond)) {
      out.push({ id: `groundTruth.throughputVsReferencePercent.${t}`, source: 'lab', expected: { atMost: limit, moreThan: 0 }, actual: ref, pass: ref.ok && ref.bitsPerSecond > 0 && ref.bitsPerSecond <= limit });
    }
  }
  if (gt.lossNearPercent !== undefined && scenario.loss && m.upLossPercent !== undefined) {
    out.push({ id: 'groundTruth.lossNearPercent', source: 'lab', expected: { target: scenario.loss.percent, points: gt.lossNearPercent }, actual: m.upLossPercent, pass: Math.abs(m.upLossPercent - scenario.loss.percent) <= gt.lossNearPercent });
  }
  if (gt.srflxIsRouterPublic !== undefined && m.mappings !== undefined) {
    const addrs = m.mappings.map((x) => x?.address ?? null);
    const want = gt.srflxIsRouterPublic ? facts.routerPublicIp : (facts.clientIp ?? null);
    const ok = addrs.length > 0 && addrs.every((a) => a !== null && (want !== null ? a === want : a !== facts.routerPublicIp));
    out.push({ id: 'groundTruth.srflxIsRouterPublic', source: 'lab', expected: gt.srflxIsRouterPublic, actual: addrs, pass: ok });
  }
  if (gt.srflxPortDiffersPerDestination !== undefined && m.mappings !== undefined) {
    const got = m.mappings.filter((x): x is { address: string; port: number } => x !== null).map((x) => `${x.address}:${x.port}`);
    const differs = new Set(got).size > 1;
    out.push({ id: 'groundTruth.srflxPortDiffersPerDestination', source: 'lab', expected: gt.srflxPortDiffersPerDestination, actual: got, pass: got.length === m.mappings.length && got.length > 1 && differs === gt.srflxPortDiffersPerDestination });
  }
  if (gt.ipv6HostCandidate !== undefined && m.ipv6ClientAddresses !== undefined) {
    // The kernel's view: the client has (or has not) a usable IPv6 address for the browser to find.
    const pass = gt.ipv6HostCandidate ? m.ipv6ClientAddresses.includes(facts.clientIp6 ?? '') : m.ipv6ClientAddresses.length === 0;
    out.push({ id: 'groundTruth.ipv6HostCandidate', source: 'lab', expected: gt.ipv6HostCandidate ? { has: facts.clientIp6 ?? null } : 'none', actual: m.ipv6ClientAddresses, pass });
  }
  if (gt.ipv6ServerAnswers !== undefined && m.ipv6ServerAnswers !== undefined) {
    out.push({ id: 'groundTruth.ipv6ServerAnswers', source: 'lab', expected: gt.ipv6ServerAnswers, actual: m.ipv6ServerAnswers, pass: m.ipv6ServerAnswers === gt.ipv6ServerAnswers });
  }
  if (gt.relayNeeded !== undefined && m.directPath !== undefined) {
    out.push({ id: 'groundTruth.relayNeeded', source: 'lab', expected: gt.relayNeeded, actual: !m.directPath, pass: m.directPath === !gt.relayNeeded });
  }
  return out;
}
