import { describe, expect, it } from 'vitest';
import { CONVERGENCE, convergence } from '../../src/browser/converge.js';
import type { ReceivedSample } from '../../src/core/schema.js';

/** Intervals of `stepMs` at the given rates (Mbit/s), the first ending at stepMs. */
function series(mbit: number[], stepMs = 250): ReceivedSample[] {
  return mbit.map((m, i) => ({ atMs: (i + 1) * stepMs, bitsPerSecond: m * 1e6, packetsPerSecond: 0, reverseBitsPerSecond: 0, reversePacketsPerSecond: 0 }));
}

/** The first prefix on which the rule says "converged": its last interval's end, or null. */
function stopAt(s: ReceivedSample[]): number | null {
  for (let i = 1; i <= s.length; i++) if (convergence(s.slice(0, i)).converged) return s[i - 1]?.atMs ?? null;
  return null;
}

describe('convergence', () => {
  it('a flat rate stops once the warm-up and a full window of steady intervals are behind it', () => {
    const s = series(Array(16).fill(18));
    // Intervals after the 1 s warm-up start at 1000 ms: the 3rd of them ends at 1750 ms.
    expect(stopAt(s)).toBe(1750);
    expect(convergence(s.slice(0, 7))).toMatchObject({ converged: true, rate: 18e6, steadyIntervals: 3 });
    // Equal intervals are not certainty: each is known to one 16 KiB message per 250 ms (0.52 Mbit/s,
    // sd 0.52/√12), so the margin is t(2) · 0.151 / √3 = 0.255 Mbit/s of 18.
    expect(convergence(s.slice(0, 7)).margin).toBeCloseTo(0.255154 / 18, 4);
  });

  it('three equal intervals on a slow link state the margin their whole-message steps leave (lab, 4 Mbit/s, TURN/UDP)', () => {
    // 6 messages of 16 KiB per 250 ms read 3.15 Mbit/s; the link carried 3.35 (6.4 messages).
    const c = convergence(series([2.0, 1.6, 2.6, 3.7, 3.146, 3.146, 3.146]));
    expect(c.converged).toBe(true);
    expect(c.margin).toBeCloseTo((2.92 * (0.524288 / Math.sqrt(12))) / Math.sqrt(3) / 3.146, 3);
    // The figure the margin belongs to, ± that margin, holds what the link carried.
    expect(3.146 * (1 + (c.margin ?? 0))).toBeGreaterThan(3.35 * 0.999);
  });

  it('never before a window of steady intervals, whatever the rate does before', () => {
    expect(convergence(series([18, 18, 18, 18, 18, 18]))).toMatchObject({ converged: false, steadyIntervals: 2 });
    expect(convergence([])).toMatchObject({ converged: false, rate: null, margin: null });
  });

  it('a stall keeps it going until the stall no longer weighs on the figure', () => {
    // 20 Mbit/s link, TURN/TCP: a 1.25 s stall right after the warm-up, then the plateau.
    const s = series([16, 12, 11, 10, 4, 7, 3, 0.4, 1.4, 17.9, 17.4, 17.3, 17.5, 17.4, 17.9, 17.5, 17.6, 17.7, 17.5]);
    const at = stopAt(s);
    expect(at).not.toBeNull();
    const c = convergence(s.filter((x) => x.atMs <= (at ?? 0)));
    // Stopped on the plateau, and the figure it stops with is the plateau's (not the stall's).
    expect(c.rate).toBeGreaterThan(17e6 * 0.9);
    expect(at).toBeGreaterThan(3500);
  });

  it('a ramp does not converge while it is still rising, even one slower than the tolerance per interval', () => {
    expect(stopAt(series([1, 2, 4, 8, 16, 32, 64, 128, 256, 512]))).toBeNull();
    expect(stopAt(series([5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]))).toBeNull();
    // Once it levels off, it stops on the level.
    const s = series([5, 6, 7, 8, 9, 10, 11, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12]);
    const at = stopAt(s);
    expect(convergence(s.filter((x) => x.atMs <= (at ?? Infinity))).rate).toBeGreaterThanOrEqual(12e6 * 0.85);
  });

  it('a noisy path (intervals ±40 % apart) stops once its figure is pinned to ±30 % and no threshold is in doubt', () => {
    const noisy = series([60, 100, 60, 100, 60, 100, 60, 100, 60, 100, 60, 100, 60, 100, 60, 100]);
    const at = stopAt(noisy);
    // 80 ± 20 Mbit/s per interval: five steady intervals (60, 100, 60, 100, 60) give a margin under ±30 %: 2.132·21.9/√5 = 20.9 of 76.
    expect(at).toBe(2250);
    const c = convergence(noisy.filter((x) => x.atMs <= (at ?? 0)));
    expect(c.margin).toBeGreaterThan(0.15);
    expect(c.margin).toBeLessThanOrEqual(0.3);
  });

  it('a threshold inside the margin keeps a noisy transfer going: it needs ±15 % then', () => {
    const noisy = series([60, 100, 60, 100, 60, 100, 60, 100, 60, 100, 60, 100, 60, 100, 60, 100, 60, 100, 60, 100]);
    // A gate at 75 Mbit/s (throughput>75M) lies inside 76 ± 21: the figure must be known to ±15 %.
    const stop = (thresholds: number[]) => {
      for (let i = 1; i <= noisy.length; i++) if (convergence(noisy.slice(0, i), CONVERGENCE, thresholds).converged) return noisy[i - 1]?.atMs ?? null;
      return null;
    };
    const withGate = stop([75e6]);
    expect(withGate).not.toBeNull();
    expect(withGate).toBeGreaterThan(2250);
    const c = convergence(noisy.filter((x) => x.atMs <= (withGate ?? 0)), CONVERGENCE, [75e6]);
    expect(c.margin).toBeLessThanOrEqual(0.15);
    // The same gate far outside the interval does not hold it up.
    expect(stop([5e6])).toBe(2250);
  });

  it('a path too noisy to pin down runs to the cap', () => {
    expect(stopAt(series([10, 90, 5, 95, 10, 90, 5, 95, 10, 90, 5, 95]))).toBeNull();
  });

  it('respects the minimum transfer even with a short warm-up window', () => {
    const rule = { ...CONVERGENCE, window: 1, minTransferMs: 1_800 };
    const s = series(Array(10).fill(5));
    expect(convergence(s.slice(0, 6), rule).converged).toBe(false); // ends at 1500 ms
    expect(convergence(s.slice(0, 8), rule).converged).toBe(true);
  });
});

describe('convergence on the headline\'s own series', () => {
  const withApp = (transport: number[], app: number[]) => series(transport).map((x, i) => ({ ...x, appBitsPerSecond: (app[i] ?? 0) * 1e6 }));

  it('waits on what the application received, not on the transport counter', () => {
    // The transport is flat at 18 Mbit/s; the application gets bursts (head-of-line blocking
    // behind retransmissions): the figure is not settled, so the transfer goes on.
    const bursty = withApp(Array(12).fill(18), [9, 9, 13, 10, 17, 17, 7, 0.5, 16, 10, 5, 5]);
    expect(stopAt(bursty)).toBeNull();
    // Both flat: it stops as soon as a window of steady intervals agrees, with the mean of what arrived.
    const flat = withApp(Array(12).fill(18), [15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15]);
    expect(stopAt(flat)).toBe(1750);
    expect(convergence(flat.slice(0, 7)).rate).toBe(15e6);
  });
});
