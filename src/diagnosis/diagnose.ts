/**
 * The diagnosis engine: every rule over the collected checks, then dedup and sort. Pure: the
 * report so far in, findings out; the same input always gives the same findings.
 *
 * Rules are one file per concept in ./rules/. A rule is silent when its evidence is absent, and a
 * root cause is reported once: the transport rules share one reachability analysis
 * (./reachability.ts) so, e.g., UDP_BLOCKED stands for every UDP timeout it explains.
 */
import { FINDING_LOW_THROUGHPUT_BPS, SLOW_SETUP_MS } from '../core/defaults.js';
import type { Finding, Severity } from '../core/schema.js';
import type { DiagnosisInput, DiagnosisOptions, ResolvedOptions, Rule } from './evidence.js';
import { allGood } from './rules/all-good.js';
import { turnAuth } from './rules/auth.js';
import { browserPorts } from './rules/browser-ports.js';
import { callFailures } from './rules/call-failures.js';
import { browserDnsFailure, dnsFailure } from './rules/dns.js';
import { dualStack } from './rules/dual-stack.js';
import { lowThroughput } from './rules/low-throughput.js';
import { dataChannelStalled } from './rules/stalled.js';
import { dataChannelRetransmitting } from './rules/retransmitting.js';
import { symmetricNat } from './rules/nat.js';
import { packetLoss } from './rules/packet-loss.js';
import { noRelayCandidate } from './rules/no-relay.js';
import { noTurnConfigured } from './rules/no-turn.js';
import { only443Open } from './rules/only-443.js';
import { portUnreachable } from './rules/port-unreachable.js';
import { relayRequired } from './rules/relay-required.js';
import { relayReach } from './rules/relay-reach.js';
import { runProblems } from './rules/run.js';
import { serverUnreachable } from './rules/server-unreachable.js';
import { slowSetup } from './rules/slow-setup.js';
import { tcpBlocked } from './rules/tcp-blocked.js';
import { tcpTlsRelayMissing } from './rules/tcp-tls-relay.js';
import { tlsProblems } from './rules/tls.js';
import { turnErrors } from './rules/turn-errors.js';
import { turnsNotOn443 } from './rules/turns-port.js';
import { udpBlocked } from './rules/udp-blocked.js';
import { enginesDisagree } from './rules/engines.js';
import { primaryEngineView } from './engine-view.js';

/**
 * Below this a relayed call is LOW_THROUGHPUT: 5 Mbit/s carries one HD video call with headroom.
 * (The call check's own code uses the stricter CALL_LOW_THROUGHPUT_BPS, src/core/defaults.ts.)
 */
export const DEFAULT_LOW_THROUGHPUT_BPS = FINDING_LOW_THROUGHPUT_BPS;
export const DEFAULT_SLOW_SETUP_MS = SLOW_SETUP_MS;
/** One-way loss from which PACKET_LOSS is reported: real-time audio/video degrade beyond 1-2 %. */
export const DEFAULT_PACKET_LOSS_PERCENT = 2;

/** In reading order: causes first, then consequences, then performance. */
export const RULES: readonly { name: string; rule: Rule }[] = [
  { name: 'run', rule: runProblems },
  { name: 'dns', rule: dnsFailure },
  { name: 'browser-dns', rule: browserDnsFailure },
  { name: 'no-turn', rule: noTurnConfigured },
  { name: 'browser-ports', rule: browserPorts },
  { name: 'auth', rule: turnAuth },
  { name: 'turn-errors', rule: turnErrors },
  { name: 'tls', rule: tlsProblems },
  { name: 'server-unreachable', rule: serverUnreachable },
  { name: 'only-443', rule: only443Open },
  { name: 'udp-blocked', rule: udpBlocked },
  { name: 'tcp-blocked', rule: tcpBlocked },
  { name: 'port-unreachable', rule: portUnreachable },
  { name: 'dual-stack', rule: dualStack },
  { name: 'no-relay', rule: noRelayCandidate },
  { name: 'relay-reach', rule: relayReach },
  { name: 'call-failures', rule: callFailures },
  { name: 'symmetric-nat', rule: symmetricNat },
  { name: 'relay-required', rule: relayRequired },
  { name: 'tcp-tls-relay', rule: tcpTlsRelayMissing },
  { name: 'turns-port', rule: turnsNotOn443 },
  { name: 'slow-setup', rule: slowSetup },
  { name: 'low-throughput', rule: lowThroughput },
  { name: 'data-channel-stalled', rule: dataChannelStalled },
  { name: 'data-channel-retransmitting', rule: dataChannelRetransmitting },
  { name: 'packet-loss', rule: packetLoss },
];

const RANK: Record<Severity, number> = { error: 0, warn: 1, info: 2 };

export function resolveOptions(o: DiagnosisOptions = {}): ResolvedOptions {
  return { slowSetupMs: o.slowSetupMs ?? DEFAULT_SLOW_SETUP_MS, lowThroughputBps: o.lowThroughputBps ?? DEFAULT_LOW_THROUGHPUT_BPS, packetLossPercent: o.packetLossPercent ?? DEFAULT_PACKET_LOSS_PERCENT };
}

/** Same code and message → one finding with the union of check ids (the first keeps its place). */
export function dedupFindings(findings: readonly Finding[]): Finding[] {
  const out: Finding[] = [];
  const seen = new Map<string, Finding>();
  for (const f of findings) {
    const key = `${f.code}\u0000${f.message}`;
    const prev = seen.get(key);
    if (prev) {
      prev.checkIds = [...new Set([...prev.checkIds, ...f.checkIds])];
      if (RANK[f.severity] < RANK[prev.severity]) prev.severity = f.severity;
      continue;
    }
    const copy = { ...f, checkIds: [...new Set(f.checkIds)] };
    seen.set(key, copy);
    out.push(copy);
  }
  return out;
}

/** Errors first, then warnings, then info; rule order within a severity (stable sort). */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => RANK[a.severity] - RANK[b.severity]);
}

export function diagnose(input: DiagnosisInput, options: DiagnosisOptions = {}): Finding[] {
  const o = resolveOptions(options);
  // The rules judge one engine's browser checks (./engine-view.ts); the engine rule compares them.
  const { view, cite } = primaryEngineView(input);
  const found = dedupFindings([...RULES.flatMap(({ rule }) => rule(view, o)).map(cite), ...enginesDisagree(input, o)]);
  return sortFindings([...found, ...allGood(input, found)]);
}
