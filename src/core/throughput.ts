import type { ReceivedSample, Throughput } from './schema.js';
import { SLOW_START_MS } from './defaults.js';
import { median } from './stats.js';

/**
 * The one throughput figure a call is judged and shown by (see the schema's Throughput): what the
 * callee's application received per second over the steady part of the transfer. null without a
 * measured transfer. Every renderer, rule, gate and metric reads it here, so none can pick another.
 */
export function deliveredBitsPerSecond(t: { bitsPerSecond: number } | null | undefined): number | null {
  return t ? t.bitsPerSecond : null;
}

/**
 * The samples the final headline is computed over: up to the last interval in which the
 * application received anything. After the caller's END the callee keeps counting until END
 * arrives, and on TURN/TCP or TLS behind a queue END can wait seconds behind retransmissions of
 * data already delivered: those intervals carry transport bytes and no application data, and
 * counted as the transfer's time they pulled the headline 13-20 % low (lab, rate-limited, 8 of 12
 * transfers run to the cap). An ordered channel delivers everything before END first, so no data
 * is left out. Only the finished transfer is trimmed: the stop rule (converge.ts) must keep
 * seeing a stall that is still going on. Pages that do not count application bytes: unchanged.
 */
export function untilLastDelivery(samples: readonly ReceivedSample[]): readonly ReceivedSample[] {
  if (!samples.some((x) => x.appBitsPerSecond !== undefined)) return samples;
  let last = samples.length - 1;
  while (last >= 0 && !((samples[last]?.appBitsPerSecond ?? 0) > 0)) last--;
  return last < 0 ? samples : samples.slice(0, last + 1);
}

/** The intervals that start after the warm-up (an interval starts where the previous one ends). */
export function steadyReceived(samples: readonly ReceivedSample[]): ReceivedSample[] {
  return samples.filter((_, i) => i > 0 && (samples[i - 1]?.atMs ?? 0) >= SLOW_START_MS);
}

/** How long the interval ending at samples[i] lasted (an interval starts where the previous one ends). */
function intervalMs(samples: readonly ReceivedSample[], i: number): number {
  const x = samples[i];
  return x ? x.atMs - (samples[i - 1]?.atMs ?? x.atMs) : 0;
}

/** An interval delivering less than this share of the headline counts as stalled (deliveryStalls). */
export const STALL_SHARE = 0.1;

/**
 * Where the data channel stalled while the link did not: steady intervals (after SLOW_START_MS, up
 * to the last delivery) in which the application got less than STALL_SHARE of the headline while
 * the callee's transport still received at least half its usual rate. Those bytes were
 * retransmissions of data already in flight: on TURN over TCP/TLS, SCTP retransmitting into a queue
 * whose losses TCP hides (TCP meltdown); on UDP, an ordered channel waiting behind a lost chunk.
 * A CPU-bound path (loopback) slows transport and application together: not a stall.
 */
export function deliveryStalls(t: Pick<Throughput, 'bitsPerSecond' | 'receivedSamples'> | null | undefined): { intervals: number; ms: number } {
  const samples = untilLastDelivery(t?.receivedSamples ?? []);
  if (!t || !samples.some((x) => x.appBitsPerSecond !== undefined)) return { intervals: 0, ms: 0 };
  const steady = steadyReceived(samples);
  const usual = median(steady.map((x) => x.bitsPerSecond));
  const stalled = steady.filter((x) => usual > 0 && (x.appBitsPerSecond ?? Infinity) < STALL_SHARE * t.bitsPerSecond && x.bitsPerSecond >= 0.5 * usual);
  const ms = stalled.reduce((sum, x) => sum + intervalMs(samples, samples.indexOf(x)), 0);
  return { intervals: stalled.length, ms: Math.round(ms) };
}

/**
 * What crossed the link to the callee for each bit its application got, above which the rest was
 * duplicates (deliveryOverhead). A healthy transfer's transport counts DTLS, SCTP and TURN framing
 * on top of the payload: 92 recorded healthy transfers read 1.0-1.2x (lab, shaped 4 and 20 Mbit/s:
 * 1.03-1.08x, UDP with some loss up to 1.20x; loopback through coturn, idle and with both cores
 * pinned by busy loops: up to 1.16x; through pion/turn: up to 1.17x). Transfers that melted down
 * part way read 1.15-6.5x; from 1.3x on their headline was 23 % or more below the link's (lab:
 * 13.0 Mbit/s at 1.32x, 11.7 at 1.41x on a link that delivers 17).
 */
export const DUPLICATE_RATIO = 1.3;

/**
 * The callee's transport rate against its application's, over the intervals the headline is made
 * of (steady, up to the last delivery), and their ratio. Over TURN/TCP or TLS behind a queue SCTP
 * can retransmit into losses TCP has already repaired (TCP meltdown) without any interval going
 * quiet: the link stays full, every chunk arrives more than once, and the application gets half
 * (lab CI, rate-limited-20, TURN/TCP: 9.07 Mbit/s delivered, 16.99 received, the minimal page
 * 16.88). null without application counts or with fewer than 3 steady intervals.
 */
export function deliveryOverhead(
  t: Pick<Throughput, 'receivedSamples'> | null | undefined,
): { receivedBitsPerSecond: number; deliveredBitsPerSecond: number; ratio: number } | null {
  const samples = untilLastDelivery(t?.receivedSamples ?? []);
  if (!samples.some((x) => x.appBitsPerSecond !== undefined)) return null;
  const steady = steadyReceived(samples);
  let ms = 0;
  let link = 0;
  let app = 0;
  for (const x of steady) {
    const dt = intervalMs(samples, samples.indexOf(x));
    ms += dt;
    link += x.bitsPerSecond * dt;
    app += (x.appBitsPerSecond ?? 0) * dt;
  }
  if (steady.length < 3 || ms <= 0 || app <= 0) return null;
  return { receivedBitsPerSecond: link / ms, deliveredBitsPerSecond: app / ms, ratio: link / app };
}

/** Stalls shorter than this (one 250 ms interval: one retransmission round) are ordinary. */
export const STALL_MIN_MS = 500;

/**
 * The meltdown test itself, on figures however they were read: a stall of STALL_MIN_MS or more,
 * or a link that carried DUPLICATE_RATIO times what the application got (ratio null: unknown).
 * meltdownOf reads them from a call's samples; the lab's minimal page reads its own
 * (src/services/lab/expect.ts referenceTransferMelted).
 */
export function meltedDown(stalledMs: number, ratio: number | null): boolean {
  return stalledMs >= STALL_MIN_MS || (ratio !== null && ratio >= DUPLICATE_RATIO);
}

/**
 * How a call's data channel melted down, if it did: it stalled for STALL_MIN_MS or more on a busy
 * link (deliveryStalls), or its link carried DUPLICATE_RATIO times what it delivered without a
 * quiet interval (deliveryOverhead). Either way the headline is what the application got, and
 * `linkBitsPerSecond` (the callee's transport over the same intervals; the headline when there
 * were too few) is what the path carried meanwhile: the figure that says whether the link, not
 * the meltdown, is slow. null for a transfer that did neither.
 */
export function meltdownOf(
  t: Pick<Throughput, 'bitsPerSecond' | 'receivedSamples'> | null | undefined,
): { stalledMs: number; ratio: number | null; linkBitsPerSecond: number } | null {
  if (!t) return null;
  const stalledMs = deliveryStalls(t).ms;
  const o = deliveryOverhead(t);
  if (!meltedDown(stalledMs, o?.ratio ?? null)) return null;
  return { stalledMs, ratio: o?.ratio ?? null, linkBitsPerSecond: o?.receivedBitsPerSecond ?? t.bitsPerSecond };
}
