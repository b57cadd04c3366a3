/**
 * DATA_CHANNEL_STALLED: a connected call's data channel handed the application (next to) nothing
 * for at least STALL_MIN_MS while the callee's transport kept receiving (core/throughput.ts
 * deliveryStalls): the link was busy with retransmissions of data already sent. Over TURN/TCP or
 * TLS that is SCTP retransmitting into a queue whose losses TCP hides from it (TCP meltdown; lab,
 * rate-limited: 20-30 % of 4 s transfers, a minimal two-peer page as often); over UDP an ordered
 * channel waiting behind a lost chunk. Real-time media on the same path freezes the same way, and
 * a low figure from such a call says nothing about the link's capacity.
 */
import { ONE_SIDED_CALL_PREFIX } from '../../core/ids.js';
import { deliveryStalls, STALL_MIN_MS } from '../../core/throughput.js';
import { FindingCode } from '../codes.js';
import { evidenceOf, finding, type Rule } from '../evidence.js';

/** Re-exported: the threshold lives with the detector (core/throughput.ts meltdownOf). */
export { STALL_MIN_MS };

/** What to do about TCP meltdown (shared with DATA_CHANNEL_RETRANSMITTING). */
export const TCP_MELTDOWN_ADVICE =
  'Let clients reach TURN over UDP (UDP 3478 and the relay ports open toward the server); where only TCP/TLS gets through, keep the uplink\'s queue short (a shallow shaper or AQM such as fq_codel on the router) and expect lower, burstier bitrates.';

export const dataChannelStalled: Rule = (input) => {
  const ev = evidenceOf(input);
  const stalled: { id: string; transport: string; ms: number }[] = [];
  for (const c of ev.ofKind('call')) {
    if ((c.status !== 'pass' && c.status !== 'warn') || c.id.startsWith(ONE_SIDED_CALL_PREFIX)) continue;
    const s = deliveryStalls(ev.callFor(c.id)?.throughput);
    if (s.ms >= STALL_MIN_MS) stalled.push({ id: c.id, transport: c.transport ?? 'udp', ms: s.ms });
  }
  stalled.sort((a, b) => b.ms - a.ms);
  const worst = stalled[0];
  if (!worst) return [];
  const overTcp = stalled.some((s) => s.transport === 'tcp' || s.transport === 'tls');
  const secs = (ms: number) => `${(ms / 1000).toFixed(ms < 1000 ? 2 : 1)} s`;
  return [
    finding(
      FindingCode.DATA_CHANNEL_STALLED,
      'warn',
      `The relay call over TURN/${worst.transport} stalled for ${secs(worst.ms)}: the link kept delivering, the data channel handed the application nothing${stalled.length > 1 ? ` (${stalled.length - 1} more call(s) stalled too)` : ''}. ` +
        (overTcp
          ? 'Over TURN/TCP or TLS that is SCTP retransmitting into a queue whose losses TCP hides from it (TCP meltdown): real-time media over this path freezes the same way, and the throughput figure says less about the link than about the stall.'
          : 'An ordered data channel waits behind each lost packet: real-time media over this path will stutter.'),
      overTcp
        ? TCP_MELTDOWN_ADVICE
        : 'Find the loss (see PACKET_LOSS and the path-quality checks): a lossy or bufferbloated link, or a relay dropping under load.',
      stalled.map((s) => s.id),
    ),
  ];
};
