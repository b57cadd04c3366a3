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
  // Steady intervals are consecutive: each starts where the sample before it ends.
  const ms = stalled.reduce((sum, x) => sum + x.atMs - (samples[samples.indexOf(x) - 1]?.atMs ?? x.atMs), 0);
  return { intervals: stalled.length, ms: Math.round(ms) };
}
