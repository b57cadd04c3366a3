/**
 * PACKET_LOSS: the path to the STUN/TURN server loses packets. Evidence: `path-quality:<url>`
 * checks (src/probes-node/path-quality.ts): a paced burst of STUN Binding requests over UDP, whose
 * round-trip loss gives a one-way estimate 1 - sqrt(1 - rt). Above the threshold (default 2 %
 * one way) real-time media degrades: audio drops out, video freezes and falls back in bitrate.
 * The data channel of the calls is reliable (SCTP retransmits), so calls alone cannot show it.
 * One finding for the network, citing every burst above the threshold; bursts with no answer at
 * all are left to the reachability rules (UDP_BLOCKED, SERVER_UNREACHABLE).
 */
import type { Check } from '../../core/schema.js';
import { FindingCode } from '../codes.js';
import { evidenceOf, finding, list, type Rule } from '../evidence.js';

/** Below this many answered requests a loss figure says too little to report. */
const MIN_SENT = 20;

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export interface LossFigure {
  check: Check;
  sent: number;
  received: number;
  oneWayLossPercent: number;
  roundTripLossPercent: number;
}

/** Pure: the loss figure of a path-quality check, or null when it has none worth using. */
export function lossFigure(c: Check): LossFigure | null {
  if (c.kind !== 'path-quality') return null;
  const sent = num(c.details.sent);
  const received = num(c.details.received);
  const oneWay = num(c.details.oneWayLossPercent);
  const rt = num(c.details.roundTripLossPercent);
  if (sent === null || received === null || oneWay === null || rt === null || sent < MIN_SENT || received === 0) return null;
  return { check: c, sent, received, oneWayLossPercent: oneWay, roundTripLossPercent: rt };
}

export const packetLoss: Rule = (input, o) => {
  const ev = evidenceOf(input);
  const lossy = ev
    .ofKind('path-quality')
    .map(lossFigure)
    .filter((x): x is LossFigure => x !== null && x.oneWayLossPercent >= o.packetLossPercent)
    .sort((a, b) => b.oneWayLossPercent - a.oneWayLossPercent);
  const worst = lossy[0];
  if (!worst) return [];
  const pct = (x: number) => `${x.toFixed(1)} %`;
  return [
    finding(
      FindingCode.PACKET_LOSS,
      'warn',
      `The network path to ${list(lossy.map((x) => x.check.target))} loses packets: ${worst.sent - worst.received} of ${worst.sent} STUN requests got no answer (${pct(worst.roundTripLossPercent)} round trip, about ${pct(worst.oneWayLossPercent)} each way; threshold ${pct(o.packetLossPercent)}). Audio and video degrade at this loss, even where calls connect.`,
      'Look for the lossy hop (Wi-Fi, an overloaded uplink or a policer) on this network; TURN over TCP/TLS hides loss behind retransmissions at the cost of latency, so prefer fixing the path.',
      lossy.map((x) => x.check.id),
    ),
  ];
};
