/**
 * LOW_THROUGHPUT: a connected call measured less than the threshold (over at least one second of
 * transfer). One finding for all such calls, naming the slowest.
 *
 * A call whose data channel melted down (core/throughput.ts meltdownOf: a stall on a busy link,
 * or a link full of duplicates) delivered less than its link carried, so its headline says
 * nothing about the link's capacity: it is judged by what the link carried over the same
 * intervals. A meltdown on a fast link is DATA_CHANNEL_STALLED's or DATA_CHANNEL_RETRANSMITTING's
 * cause to name, not a slow network's or server's (lab CI, rate-limited-20, TURN/TCP: 1.8 Mbit/s
 * delivered on a 20 Mbit/s link that a minimal page filled to 16-17 on two of three transfers).
 */
import { CheckCode } from '../../core/codes.js';
import { ONE_SIDED_CALL_PREFIX } from '../../core/ids.js';
import type { Check } from '../../core/schema.js';
import { deliveredBitsPerSecond, meltdownOf } from '../../core/throughput.js';
import { FindingCode } from '../codes.js';
import { evidenceOf, finding, type Rule } from '../evidence.js';
import { CALL_ALL_ID } from '../../core/ids.js';

const MIN_TRANSFER_MS = 1_000;

export const lowThroughput: Rule = (input, o) => {
  const ev = evidenceOf(input);
  const low: { c: Check; bps: number | null }[] = [];
  for (const c of ev.ofKind('call')) {
    if (c.status !== 'pass' && c.status !== 'warn') continue;
    // The one-sided call moves data for a second at most: it proves the path, not its rate.
    if (c.id.startsWith(ONE_SIDED_CALL_PREFIX)) continue;
    const t = ev.callFor(c.id)?.throughput;
    const bps = deliveredBitsPerSecond(t) ?? (typeof c.details.bitsPerSecond === 'number' ? c.details.bitsPerSecond : null);
    // The measured rate decides (the threshold is an option); the check's own code only when no rate was kept.
    if (bps === null) {
      if (c.code === CheckCode.LOW_THROUGHPUT) low.push({ c, bps: null });
      continue;
    }
    const longEnough = t ? t.durationMs >= MIN_TRANSFER_MS : true;
    const judged = meltdownOf(t)?.linkBitsPerSecond ?? bps;
    if (longEnough && bps < o.lowThroughputBps && judged < o.lowThroughputBps) low.push({ c, bps });
  }
  low.sort((a, b) => (a.bps ?? Infinity) - (b.bps ?? Infinity));
  const worst = low[0];
  if (!worst) return [];
  const mbit = (x: number) => `${(x / 1e6).toFixed(x < 1e6 ? 2 : 1)} Mbit/s`;
  const label = worst.c.id === CALL_ALL_ID ? 'the call with every server' : `the relay call over TURN/${worst.c.transport ?? '?'}`;
  return [
    finding(
      FindingCode.LOW_THROUGHPUT,
      'warn',
      `Throughput is low: ${label} moved ${worst.bps === null ? 'less than expected' : mbit(worst.bps)} (threshold ${mbit(o.lowThroughputBps)})${low.length > 1 ? `, and ${low.length - 1} more call(s) were below it too` : ''}, too little for HD video with headroom.`,
      'Compare with the network\'s own bandwidth: if the network is the limit, clients here need lower video bitrates; if the TURN server is (CPU, its uplink, --max-bps or a bandwidth quota), raise its limits or add relay capacity nearer to users.',
      low.map((x) => x.c.id),
    ),
  ];
};
