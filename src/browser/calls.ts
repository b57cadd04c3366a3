/**
 * End-to-end loopback calls: two pages in two browser contexts (as two users would be) connect
 * through iceprobe's signaling relay and, relay forced, through one TURN URL at a time — one call
 * per TURN transport — plus one call with policy "all" over every server. Each call yields a
 * `call` check and a `calls[]` entry with the setup timeline, selected pair, RTT and throughput.
 * The judging (`judgeCall`) is pure and unit-tested.
 */
import { makeCheck } from '../core/check.js';
import { CheckCode, statusOf } from '../core/codes.js';
import { meanMargin90, median } from '../core/stats.js';
import type { ServerSpec } from '../config/config.js';
import type { Call, Check, ReceivedSample, Transport } from '../core/schema.js';
import type { CallResult, ReceiveCount } from '../../probes/types.js';
import { checkId, GATHER_ALL_ID, ONE_SIDED_CALL_PREFIX } from '../core/ids.js';
import { formatHost, parseIceUri } from '../core/uri.js';

import { CALL_LOW_THROUGHPUT_BPS as LOW_THROUGHPUT_BPS, CALL_MESSAGE_BYTES, SLOW_SETUP_MS, SLOW_START_MS } from '../core/defaults.js';
import { deliveredBitsPerSecond, steadyReceived, untilLastDelivery } from '../core/throughput.js';

export { SLOW_SETUP_MS, LOW_THROUGHPUT_BPS, deliveredBitsPerSecond };

export interface PlannedCall {
  id: string;
  policy: 'relay' | 'all';
  transport: Transport | null;
  servers: ServerSpec[];
  /** Why it will not run (e.g. the URL gave no relay candidate). */
  skip: string | null;
  /**
   * Set for the one-sided call: the callee is not relayed (no TURN; these STUN servers, policy
   * all: host and srflx candidates only), so its packets must reach the relay from outside.
   */
  directCallee?: { servers: ServerSpec[] };
}

export function callCheckId(p: Pick<PlannedCall, 'policy' | 'transport' | 'directCallee'>): string {
  if (p.directCallee && p.transport) return checkId.oneSidedCall(p.transport);
  return checkId.call(p.policy === 'relay' ? p.transport : null);
}

export { ONE_SIDED_CALL_PREFIX };

/**
 * The one-sided call moves data only long enough to show the path carries it: two sampling
 * intervals of data through the relay from outside (its verdict is connectivity, never a rate).
 */
export const ONE_SIDED_CALL_MAX_MS = 500;

/**
 * The one-sided call: the caller relay-forced through the first TURN URL whose relay-forced
 * call will run (UDP first), the callee with no TURN at all — only the configured STUN servers,
 * policy all. A relay-forced call on both sides is relayed relay-to-relay inside the TURN
 * server (coturn does not even send those packets out), so a firewalled relay port range or a
 * wrong external-ip pass it; a peer that is not relayed by the same server (an SFU, a peer
 * with a public address, a second TURN) needs the relayed address reachable from outside.
 * The callee sits on this machine, so when UDP from here to the server is blocked a direct
 * callee could not reach any relay: the call is then skipped, not blamed on the server.
 */
export function planOneSidedCall(servers: readonly ServerSpec[], plans: readonly PlannedCall[], gatherChecks: readonly Check[], browserUsable: (s: ServerSpec) => boolean): PlannedCall | null {
  const relay = plans.find((p) => p.policy === 'relay' && !p.skip && !p.directCallee);
  if (!relay) return null;
  const transport = relay.transport;
  const udpWorks = gatherChecks.some((c) => c.kind === 'gather' && c.transport === 'udp' && c.status === 'pass' && c.id !== GATHER_ALL_ID);
  const stun = calleeStunServers(servers, gatherChecks, browserUsable);
  const skip = !udpWorks
    ? 'UDP from this machine to the servers gets no answer (see the gather checks): a callee without TURN here could not reach any relay'
    : stun.length === 0
      ? 'no STUN server for the callee to learn the address the relay sees it from (give a stun: URL, or a turn: URL over UDP): with host candidates only, the call would fail on any NAT, whatever the relay'
      : null;
  return {
    id: `relay-one-side-${transport}`,
    policy: 'relay',
    transport,
    servers: relay.servers,
    skip,
    directCallee: { servers: stun },
  };
}

/**
 * The one-sided call's callee needs a server-reflexive candidate: the address the TURN server
 * sees it from. Its host candidates are the machine's interface addresses, which a relay need not
 * be able to reach (behind a NAT, or on a test machine whose loopback peers are seen as
 * 127.0.0.1), so a callee with host candidates only fails against a healthy server: a false
 * verdict. The configured stun: URLs serve; without one, a TURN server is a STUN server too
 * (RFC 8656 §3: TURN is an extension of STUN, its listener answers Binding), so each turn: URL over
 * UDP whose browser gathering passed is used as a stun: URL on the same host and port.
 */
export function calleeStunServers(servers: readonly ServerSpec[], gatherChecks: readonly Check[], browserUsable: (s: ServerSpec) => boolean): ServerSpec[] {
  const stun = servers.filter((s) => s.uri.scheme === 'stun' && browserUsable(s));
  if (stun.length > 0) return stun;
  const passed = (s: ServerSpec) => gatherChecks.find((c) => c.id === checkId.gather(s.uri.canonical))?.status === 'pass';
  const seen = new Set<string>();
  const out: ServerSpec[] = [];
  for (const s of servers) {
    if (s.uri.scheme !== 'turn' || s.uri.transport !== 'udp' || !browserUsable(s) || !passed(s)) continue;
    const url = `stun:${formatHost(s.uri.host)}:${s.uri.port}`;
    const parsed = parseIceUri(url);
    if (!parsed.ok || seen.has(parsed.uri.canonical)) continue;
    seen.add(parsed.uri.canonical);
    out.push({ url, uri: parsed.uri, username: null, credential: null, credentialSource: 'none', origin: `${s.origin} (its TURN server as STUN)` });
  }
  return out;
}

/** One relay-forced call per TURN transport in the config, then one policy-all call. */
export function planCalls(servers: readonly ServerSpec[], gatherChecks: readonly Check[], browserUsable: (s: ServerSpec) => boolean): PlannedCall[] {
  const plans: PlannedCall[] = [];
  const passed = (s: ServerSpec) => gatherChecks.find((c) => c.id === checkId.gather(s.uri.canonical))?.status === 'pass';
  for (const t of ['udp', 'tcp', 'tls'] as const) {
    const candidates = servers.filter((s) => s.uri.isTurn && s.uri.transport === t && browserUsable(s));
    if (candidates.length === 0) continue;
    const good = candidates.find(passed);
    const chosen = good ?? candidates[0];
    if (!chosen) continue;
    plans.push({
      id: `relay-${t}`,
      policy: 'relay',
      transport: t,
      servers: [chosen],
      skip: good ? null : `${chosen.uri.canonical} gave no relay candidate in the browser (see its gather check)`,
    });
  }
  const usable = servers.filter(browserUsable);
  plans.push({ id: 'all', policy: 'all', transport: null, servers: usable, skip: null });
  return plans;
}

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

export { SLOW_START_MS, steadyReceived };

/**
 * The callee's receive rate per sampling interval, from its cumulative transport counters.
 * `atMs` is the interval's end, counted from the start of the first interval in which bytes
 * arrived (so 0 is "data started"); intervals before that are dropped, and so are the idle
 * intervals after the last byte (the sender had finished, nothing was offered).
 */
export function receivedSamples(counter: readonly ReceiveCount[]): ReceivedSample[] {
  const grew = (i: number) => i > 0 && (counter[i]?.bytes ?? 0) > (counter[i - 1]?.bytes ?? 0);
  let first = -1;
  let last = -1;
  for (let i = 1; i < counter.length; i++) {
    if (!grew(i)) continue;
    if (first < 0) first = i;
    last = i;
  }
  const start = counter[first - 1];
  if (first < 0 || !start) return [];
  const out: ReceivedSample[] = [];
  for (let i = first; i <= last; i++) {
    const a = counter[i - 1];
    const b = counter[i];
    if (!a || !b || b.atMs <= a.atMs) continue;
    const s = (b.atMs - a.atMs) / 1000;
    const appS = a.appAtMs !== undefined && b.appAtMs !== undefined ? (b.appAtMs - a.appAtMs) / 1000 : 0;
    const app = appS > 0 && a.appBytes !== undefined && b.appBytes !== undefined ? { appBitsPerSecond: Math.max(0, Math.round(((b.appBytes - a.appBytes) * 8) / appS)) } : {};
    out.push({
      atMs: round(b.atMs - start.atMs),
      bitsPerSecond: Math.round(((b.bytes - a.bytes) * 8) / s),
      packetsPerSecond: Math.round((b.packets - a.packets) / s),
      reverseBitsPerSecond: Math.round(((b.sentBytes - a.sentBytes) * 8) / s),
      reversePacketsPerSecond: Math.round((b.sentPackets - a.sentPackets) / s),
      ...app,
    });
  }
  return out;
}


/**
 * The callee's steady receive rate: the median over the intervals after SLOW_START_MS.
 * On a saturated bottleneck this is its output rate; the median (not the mean) keeps one
 * congestion-control stall of the single SCTP flow from passing for the path's capacity.
 * For comparing with a shaper that counts whole frames (the lab), `wire` adds each packet's
 * headers below the transport counter and, when the acknowledgements cross the same link,
 * the callee's reverse traffic. null without a steady interval.
 */
export function steadyReceiveRate(samples: readonly ReceivedSample[], wire?: { perPacketOverheadBytes: number; withReverse: boolean }): number | null {
  const steady = steadyReceived(samples);
  if (steady.length === 0) return null;
  const o = (wire?.perPacketOverheadBytes ?? 0) * 8;
  const rate = (x: ReceivedSample) => x.bitsPerSecond + x.packetsPerSecond * o + (wire?.withReverse ? x.reverseBitsPerSecond + x.reversePacketsPerSecond * o : 0);
  return Math.round(median(steady.map(rate)));
}

/** An interval's delivered rate: the application's, or (pages that did not count it) the transport's. */
export const deliveredOf = (x: ReceivedSample): number => x.appBitsPerSecond ?? x.bitsPerSecond;

/**
 * The headline: what the callee's application received per second over the steady part of the
 * transfer (the intervals after SLOW_START_MS): their application bytes over their time. A mean,
 * not a median: a data channel over a lossy or bufferbloated path delivers in bursts (an ordered
 * stream holds everything behind a lost chunk until it is retransmitted, then hands it over at
 * once), so single intervals swing between 0 and twice the rate and their median can land
 * anywhere; the bytes delivered over the window are what an application got. The warm-up is left
 * out because slow start overshoots a shaper and then recovers: neither is what the path carries.
 * null without a steady interval with an application count.
 */
export function steadyDeliveredRate(samples: readonly ReceivedSample[]): number | null {
  let bits = 0;
  let wire = 0;
  let ms = 0;
  samples.forEach((x, i) => {
    const prev = samples[i - 1];
    if (!prev || prev.atMs < SLOW_START_MS || x.appBitsPerSecond === undefined) return;
    const dt = x.atMs - prev.atMs;
    bits += x.appBitsPerSecond * dt;
    wire += x.bitsPerSecond * dt;
    ms += dt;
  });
  // Never more than the callee's transport received over the same intervals: data held back
  // during the warm-up (a stall) and handed over inside the window arrived before it.
  return ms > 0 ? Math.round(Math.min(bits, wire) / ms) : null;
}

/**
 * The headline's 90 % confidence interval: the mean of its steady intervals' delivered rates and
 * the t half-width around it (the headline is their time-weighted mean, so the two agree but for
 * the transport cap). null with fewer than two steady intervals or nothing delivered.
 */
export function headlineInterval(samples: readonly ReceivedSample[], messageBytes = CALL_MESSAGE_BYTES): { mean: number; half: number } | null {
  const steady = steadyReceived(samples);
  const xs = steady.map(deliveredOf);
  // An interval's count moves in whole messages: its rate is uniform within one message's worth
  // (sd = step / sqrt 12), so three equal intervals still leave that much doubt.
  const first = steady[0];
  const spanS = first ? ((steady.at(-1)?.atMs ?? 0) - (samples[samples.indexOf(first) - 1]?.atMs ?? 0)) / 1000 : 0;
  const step = spanS > 0 ? (messageBytes * 8 * steady.length) / spanS : 0;
  const half = meanMargin90(xs, step / Math.sqrt(12));
  const mean = xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  return half === null || mean <= 0 ? null : { mean, half };
}

/** The headline's own series: the application's delivered rate (the transport's for pages that do not count it). */
export function headlineRate(samples: readonly ReceivedSample[]): number | null {
  return steadyReceived(samples).some((x) => x.appBitsPerSecond !== undefined) ? steadyDeliveredRate(samples) : steadyReceiveRate(samples);
}

function receivedOf(counter: readonly ReceiveCount[]): { receivedBitsPerSecond?: number; receivedSamples?: ReceivedSample[] } {
  const samples = receivedSamples(counter);
  if (samples.length === 0) return {};
  const steady = steadyReceiveRate(samples);
  return { ...(steady !== null ? { receivedBitsPerSecond: steady } : {}), receivedSamples: samples };
}

/** The call's throughput entry, headline first (see the schema's Throughput). Pure. */
export function throughputOf(caller: CallResult, callee: CallResult | null): Call['throughput'] {
  const dataS = caller.dataMs / 1000;
  if (!caller.ok || dataS <= 0) return null;
  const goodput = callee && callee.dataMs > 0 ? Math.round((callee.appBytes * 8) / (callee.dataMs / 1000)) : 0;
  const received = receivedOf(callee?.receiveCounter ?? []);
  const delivered = untilLastDelivery(received.receivedSamples ?? []);
  const steady = steadyDeliveredRate(delivered);
  const interval = steady !== null ? headlineInterval(delivered) : null;
  return {
    bitsPerSecond: steady ?? goodput,
    ...(interval !== null ? { marginPercent: Math.round((interval.half / interval.mean) * 1000) / 10 } : {}),
    sentBitsPerSecond: Math.round((caller.bytes * 8) / dataS),
    goodputBitsPerSecond: goodput,
    ...received,
    bytes: caller.bytes,
    durationMs: Math.round(caller.dataMs),
    samples: caller.samples,
  };
}

/** Pure: both sides' observations → the report's call entry and its check. */
export function judgeCall(plan: PlannedCall, caller: CallResult, callee: CallResult | null, durationMs: number): { call: Call; check: Check } {
  const checkId = callCheckId(plan);
  const via = plan.servers.map((s) => s.uri.canonical);
  const okBoth = caller.ok && (callee?.ok ?? false);
  const failed = !okBoth;
  const failedPhase = failed ? (caller.failedPhase ?? callee?.failedPhase ?? 'internal') : null;
  const open = caller.phases.find((p) => p.name === 'datachannel-open');
  const totalMs = open ? round(open.atMs) : null;
  const rtts = caller.rtts.filter((x) => Number.isFinite(x));
  const throughput = throughputOf(caller, callee);

  let code: CheckCode = CheckCode.OK;
  let message: string;
  const label = plan.directCallee
    ? `Call from a relay-forced peer (TURN/${plan.transport}) to a peer without TURN`
    : plan.policy === 'relay'
      ? `Relay-forced call over TURN/${plan.transport}`
      : 'Call with every server (policy all)';
  const details: Record<string, unknown> = { callId: plan.id, failedPhase, via };
  if (failed) {
    code = plan.directCallee ? CheckCode.ONE_SIDED_CALL_FAILED : plan.policy === 'relay' ? CheckCode.RELAY_CALL_FAILED : CheckCode.CALL_FAILED;
    const localRelays = caller.localCandidates.filter((c) => c.type === 'relay').length;
    const remoteRelays = caller.remoteCandidates.filter((c) => c.type === 'relay').length;
    details.reason = caller.error ?? callee?.error ?? 'unknown';
    details.localRelayCandidates = localRelays;
    details.remoteRelayCandidates = remoteRelays;
    if (plan.directCallee && failedPhase === 'ice' && localRelays > 0) {
      details.hint = 'the peer without TURN could not reach the relayed address from outside: the relay port range is blocked or the relayed address is not the server\'s';
    } else if (failedPhase === 'ice' && localRelays > 0 && remoteRelays > 0) {
      details.hint = 'relay candidates were exchanged but no pair worked: the TURN server refused CreatePermission or cannot relay between its allocations';
    } else if (failedPhase === 'ice' && localRelays === 0) {
      details.hint = 'no relay candidate was gathered for this call';
    }
    message = `${label} failed at phase "${failedPhase}": ${String(details.reason)}`;
  } else {
    message = `${label} connected in ${totalMs} ms` + (throughput ? `, ${round((deliveredBitsPerSecond(throughput) ?? 0) / 1e6)} Mbit/s delivered` : '');
    if (totalMs !== null && totalMs > SLOW_SETUP_MS) {
      code = CheckCode.SLOW_SETUP;
    } else if (!plan.directCallee && throughput && (deliveredBitsPerSecond(throughput) ?? 0) < LOW_THROUGHPUT_BPS && durationMs >= 1_000) {
      // (The one-sided call moves data for at most a second, mostly slow start: it proves the path, not its rate.)
      code = CheckCode.LOW_THROUGHPUT;
    }
    if (plan.policy === 'relay' && caller.selectedPair && caller.selectedPair.local.type !== 'relay') {
      // Cannot happen with iceTransportPolicy relay; if it does, the browser ignored the policy.
      code = plan.directCallee ? CheckCode.ONE_SIDED_CALL_FAILED : CheckCode.RELAY_CALL_FAILED;
      details.reason = `selected local candidate is ${caller.selectedPair.local.type}, not relay`;
    }
  }
  const status = statusOf(code);
  const call: Call = {
    id: plan.id,
    checkId,
    policy: plan.policy,
    ...(plan.directCallee ? { peer: 'direct' as const } : {}),
    via,
    transport: plan.transport,
    status,
    code,
    failedPhase,
    setup: { totalMs, phases: [...caller.phases].sort((a, b) => a.atMs - b.atMs).map((p) => ({ name: p.name, atMs: round(p.atMs) })) },
    selectedPair: caller.selectedPair,
    selectedPairChanges: caller.selectedPairChanges,
    rttMs: rtts.length > 0 ? { min: round(Math.min(...rtts), 2), median: round(median(rtts), 2), max: round(Math.max(...rtts), 2) } : null,
    throughput,
    media: caller.media,
  };
  const check = makeCheck({
    id: checkId,
    kind: 'call',
    target: plan.policy === 'relay' ? (via[0] ?? 'relay') : 'all servers',
    transport: plan.transport,
    code,
    message,
    durationMs: round(caller.phases.at(-1)?.atMs ?? 0) + Math.round(caller.dataMs),
    details: { ...details, setupMs: totalMs, bitsPerSecond: deliveredBitsPerSecond(throughput), selectedPair: caller.selectedPair },
  });
  return { call, check };
}

/** A planned call that did not run: skipped by plan (SKIPPED), or (serve) never reported by the page (the call failed). */
export function notRunCall(plan: PlannedCall, reason: string, outcome: 'skip' | 'fail'): { call: Call; check: Check } {
  const checkId = callCheckId(plan);
  const via = plan.servers.map((s) => s.uri.canonical);
  const code = outcome === 'skip' ? CheckCode.SKIPPED : plan.directCallee ? CheckCode.ONE_SIDED_CALL_FAILED : plan.policy === 'relay' ? CheckCode.RELAY_CALL_FAILED : CheckCode.CALL_FAILED;
  const check = makeCheck({ id: checkId, kind: 'call', target: via[0] ?? 'relay', transport: plan.transport, code, message: outcome === 'skip' ? `Not called: ${reason}` : `Call did not run: ${reason}`, durationMs: 0, details: { callId: plan.id, reason } });
  return {
    call: { id: plan.id, checkId, policy: plan.policy, ...(plan.directCallee ? { peer: 'direct' as const } : {}), via, transport: plan.transport, status: check.status, code, failedPhase: outcome === 'skip' ? null : 'internal', setup: { totalMs: null, phases: [] }, selectedPair: null, selectedPairChanges: null, rttMs: null, throughput: null },
    check,
  };
}
