/**
 * DATA_CHANNEL_RETRANSMITTING: a connected call's link carried far more than its data channel
 * delivered, without ever going quiet (core/throughput.ts deliveryOverhead): over the headline's
 * own intervals the callee's transport received at least DUPLICATE_RATIO times what its
 * application got, so a third or more of what arrived had arrived before. That is TCP meltdown
 * without a stall: over TURN/TCP or TLS behind a queue, SCTP retransmits into losses TCP has
 * already repaired, and the link stays full of duplicates (lab CI, rate-limited-20, TURN/TCP: 9.07
 * Mbit/s delivered, 16.99 received, a minimal two-peer page 16.88 on the same link). Over UDP,
 * acknowledgements queued past SCTP's retransmission timer (bufferbloat) do the same. The headline
 * stays what the application got; this says it is the retransmissions' figure, not the link's.
 * A call that stalled is DATA_CHANNEL_STALLED's, not cited twice (core/throughput.ts meltdownOf
 * decides both).
 */
import { ONE_SIDED_CALL_PREFIX } from '../../core/ids.js';
import { deliveredBitsPerSecond, meltdownOf, STALL_MIN_MS } from '../../core/throughput.js';
import { FindingCode } from '../codes.js';
import { evidenceOf, finding, type Rule } from '../evidence.js';
import { TCP_MELTDOWN_ADVICE } from './stalled.js';

export const dataChannelRetransmitting: Rule = (input) => {
  const ev = evidenceOf(input);
  const hit: { id: string; transport: string; delivered: number; received: number; ratio: number }[] = [];
  for (const c of ev.ofKind('call')) {
    if ((c.status !== 'pass' && c.status !== 'warn') || c.id.startsWith(ONE_SIDED_CALL_PREFIX)) continue;
    const t = ev.callFor(c.id)?.throughput;
    // A meltdown without a stall is one whose link carried DUPLICATE_RATIO times what it delivered.
    const m = meltdownOf(t);
    const delivered = deliveredBitsPerSecond(t);
    if (!m || m.ratio === null || m.stalledMs >= STALL_MIN_MS || delivered === null) continue;
    hit.push({ id: c.id, transport: c.transport ?? 'udp', delivered, received: m.linkBitsPerSecond, ratio: m.ratio });
  }
  hit.sort((a, b) => b.ratio - a.ratio);
  const worst = hit[0];
  if (!worst) return [];
  const overTcp = hit.some((h) => h.transport === 'tcp' || h.transport === 'tls');
  const mbit = (x: number) => `${(x / 1e6).toFixed(x < 1e6 ? 2 : 1)} Mbit/s`;
  return [
    finding(
      FindingCode.DATA_CHANNEL_RETRANSMITTING,
      'warn',
      `The relay call over TURN/${worst.transport} delivered ${mbit(worst.delivered)} to the application while its transport received ${mbit(worst.received)} over the same time, ${worst.ratio.toFixed(2)}× as much (framing alone accounts for up to 1.2×): the rest were retransmissions of data that had already arrived${hit.length > 1 ? ` (${hit.length - 1} more call(s) too)` : ''}. ` +
        (overTcp
          ? 'Over TURN/TCP or TLS that is SCTP retransmitting into a queue whose losses TCP has already repaired (TCP meltdown): the link was full, the application got a fraction of it, and the throughput figure is the retransmissions\' limit, not the link\'s.'
          : 'Over UDP that is acknowledgements delayed past the retransmission timer by a deep queue (bufferbloat): real-time media over this path will see the same delay.'),
      overTcp ? TCP_MELTDOWN_ADVICE : 'Keep the bottleneck\'s queue short (a shallow shaper or AQM such as fq_codel on the router); see PACKET_LOSS and the path-quality checks for loss on the same path.',
      hit.map((h) => h.id),
    ),
  ];
};
