/**
 * When a call's data phase may stop: its steady receive rate has converged. Pure (samples in,
 * decision out); src/browser/session.ts polls the callee's counters and asks this after each
 * interval, and `--duration` caps the transfer whatever this says.
 *
 * The rule, on the callee's per-interval receive rates (calls.ts receivedSamples):
 *   1. only the steady intervals count: those after the slow-start warm-up (calls.ts
 *      steadyReceived, the same ones the headline figure is the median of);
 *   2. at least `window` of them, and at least `minTransferMs` of data in all (the
 *      LOW_THROUGHPUT rule ignores shorter transfers, so stopping earlier would hide it);
 *   3. the last `window` intervals agree: each within ±`tolerance` of their median, and they are
 *      not a climb (each above the one before: a ramp slower than the tolerance per interval);
 *      a plateau, not a ramp, a stall or its recovery;
 *   4. the figure that would be reported now (the median of every steady interval) is within
 *      ±`tolerance` of that plateau: more of the same intervals cannot move it further than that.
 * A ramp fails 3; a stall followed by its recovery fails 3 until it is `window` intervals behind,
 * and 4 while the stalled intervals still weigh on the median. Noisy paths (loopback on a busy
 * CPU) rarely agree: they run to the cap, which is the honest outcome.
 */
import { median } from '../core/stats.js';
import type { ReceivedSample } from '../core/schema.js';
import { deliveredOf, steadyDeliveredRate, steadyReceived, steadyReceiveRate } from './calls.js';

export interface ConvergenceRule {
  /** Steady intervals that must agree (and the fewest steady intervals to stop on). */
  window: number;
  /** Relative band, e.g. 0.1 for ±10 %. */
  tolerance: number;
  /** No stop before this much data (first received byte to the last interval's end). */
  minTransferMs: number;
}

/**
 * Defaults: 3 intervals of 250 ms (a 0.75 s plateau), ±15 % (the fidelity the lab judges the
 * headline by), and never less than the 1 s LOW_THROUGHPUT needs (diagnosis/rules/low-throughput.ts).
 * Chosen on recorded traces (tbf 4 and 20 Mbit/s in the lab, udp/tcp/tls, and loopback): on the
 * lab's relay calls it stopped after 2.2 s on average instead of 3 s, with the figure a median
 * 2.1 % from a 6 s transfer's (a fixed 3 s window: 1.4 %); ±10 % or 4 intervals stopped later for
 * no better figure. A TURN/TCP stall longer than the cap defeats it as it defeats a fixed window.
 */
export const CONVERGENCE: ConvergenceRule = { window: 3, tolerance: 0.15, minTransferMs: 1_000 };

export interface Convergence {
  converged: boolean;
  /** The figure as it stands (median of the steady intervals), null before the first one. */
  rate: number | null;
  /** The median of the last `window` steady intervals, null before there are that many. */
  plateau: number | null;
  steadyIntervals: number;
}

export function convergence(samples: readonly ReceivedSample[], rule: ConvergenceRule = CONVERGENCE): Convergence {
  // The headline's own series: the application's delivered rate (the transport's for pages that
  // do not count it), so the figure the rule waits on is the one the report shows.
  const steady = steadyReceived(samples);
  const rate = steady.some((x) => x.appBitsPerSecond !== undefined) ? steadyDeliveredRate(samples) : steadyReceiveRate(samples);
  const base = { rate, plateau: null, steadyIntervals: steady.length };
  if (steady.length < Math.max(1, rule.window) || rate === null) return { ...base, converged: false };
  const recent = steady.slice(-rule.window).map(deliveredOf);
  const plateau = median(recent);
  const within = (x: number) => plateau > 0 && Math.abs(x - plateau) <= rule.tolerance * plateau;
  const long = (samples.at(-1)?.atMs ?? 0) >= rule.minTransferMs;
  const climbing = recent.length > 1 && recent.every((x, i) => i === 0 || x > (recent[i - 1] ?? Infinity));
  return { ...base, plateau, converged: long && !climbing && recent.every(within) && within(rate) };
}
