/**
 * When a call's data phase may stop: its headline figure is known well enough. Pure (samples
 * in, decision out); call-runner.ts polls the callee's counters and asks this after each
 * interval, and `--duration` caps the transfer whatever this says.
 *
 * The rule, on the callee's per-interval delivered rates (calls.ts receivedSamples), the series
 * the headline is made of:
 *   1. only the steady intervals count: those after the slow-start warm-up (calls.ts
 *      steadyReceived, the same ones the headline is computed over);
 *   2. at least `window` of them, and at least `minTransferMs` of data in all (the
 *      LOW_THROUGHPUT rule ignores shorter transfers, so stopping earlier would hide it);
 *   3. the last `window` intervals are not a climb (each above the one before: a ramp still
 *      going, which no margin can describe);
 *   4. the headline's 90 % confidence margin (core/stats.ts meanMargin90, from the spread of the
 *      steady intervals, never narrower than their whole-message counts allow) is within ±`tolerance` of the figure; or within ±`clearTolerance` when
 *      no threshold that judges the figure (`thresholds`: the call check's and the finding's
 *      LOW_THROUGHPUT, every `--expect throughput>` gate) lies inside the interval: the verdict
 *      can no longer change, and the report states the margin (Throughput.marginPercent).
 * A stall widens the margin, so the transfer goes on until its weight on the figure is known; a
 * steady shaped link stops after `window` intervals; a noisy one (loopback on a busy CPU) stops
 * once its figure is pinned down to what the verdict needs, or at the cap.
 */
import type { ReceivedSample } from '../core/schema.js';
import { deliveredOf, headlineInterval, headlineRate, steadyReceived } from './calls.js';

export interface ConvergenceRule {
  /** The fewest steady intervals to stop on (and the ones that must not be a climb). */
  window: number;
  /** Relative 90 % margin the figure must reach, e.g. 0.15 for ±15 %. */
  tolerance: number;
  /** The margin that is enough when no judging threshold lies inside the interval. */
  clearTolerance: number;
  /** No stop before this much data (first received byte to the last interval's end). */
  minTransferMs: number;
}

/**
 * Defaults: 3 intervals of 250 ms (0.75 s), ±15 % (the fidelity the lab judges the headline
 * by), ±30 % when the verdict is settled, never less than the 1 s LOW_THROUGHPUT needs
 * (diagnosis/rules/low-throughput.ts). On 24 recorded loopback relay calls (2-core machine under
 * load, 4 s each, UDP/TCP/TLS) this stopped after 2.2 s on average (the previous rule, three
 * intervals within ±15 % of each other: 2.5 s), with the same median distance from the figure of
 * the transfer's last 2 s (12 %: a CPU-bound loopback is not stationary).
 */
export const CONVERGENCE: ConvergenceRule = { window: 3, tolerance: 0.15, clearTolerance: 0.3, minTransferMs: 1_000 };

export interface Convergence {
  converged: boolean;
  /** The figure as it stands (the headline over the steady intervals), null before the first one. */
  rate: number | null;
  /** Its 90 % margin relative to it (0.1 for ±10 %), null with fewer than two steady intervals. */
  margin: number | null;
  steadyIntervals: number;
}

export function convergence(samples: readonly ReceivedSample[], rule: ConvergenceRule = CONVERGENCE, thresholds: readonly number[] = []): Convergence {
  const steady = steadyReceived(samples);
  const rate = headlineRate(samples);
  const interval = headlineInterval(samples);
  const margin = interval && interval.half / interval.mean;
  const base = { rate, margin, steadyIntervals: steady.length };
  if (steady.length < Math.max(2, rule.window) || rate === null || rate <= 0 || interval === null || margin === null) return { ...base, converged: false };
  const recent = steady.slice(-rule.window).map(deliveredOf);
  const long = (samples.at(-1)?.atMs ?? 0) >= rule.minTransferMs;
  const climbing = recent.length > 1 && recent.every((x, i) => i === 0 || x > (recent[i - 1] ?? Infinity));
  // The verdict is settled when no threshold lies inside the interval around the intervals' mean.
  const settled = thresholds.every((t) => Math.abs(t - interval.mean) > interval.half);
  const enough = margin <= rule.tolerance || (settled && margin <= rule.clearTolerance);
  return { ...base, converged: long && !climbing && enough };
}
