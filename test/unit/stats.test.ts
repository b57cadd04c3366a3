import { describe, expect, it } from 'vitest';
import { meanMargin90, median } from '../../src/core/stats.js';

describe('median', () => {
  it('middle value, mean of the middle two, 0 for none; the input is not reordered', () => {
    const xs = [5, 1, 3];
    expect(median(xs)).toBe(3);
    expect(xs).toEqual([5, 1, 3]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBe(0);
  });
});

describe('meanMargin90', () => {
  it("is Student's t (90 %, two-sided) times the standard error", () => {
    // 1..5: mean 3, s = 1.5811, t(0.95, 4) = 2.132 → 2.132 · 1.5811 / √5 = 1.5076.
    expect(meanMargin90([1, 2, 3, 4, 5])).toBeCloseTo(1.5076, 3);
    // Two values: t(0.95, 1) = 6.314; s = √2 → 6.314 · √2 / √2 = 6.314.
    expect(meanMargin90([0, 2])).toBeCloseTo(6.314, 3);
  });

  it('floors the standard deviation at minSd: identical values known only to a step are not certain', () => {
    expect(meanMargin90([7, 7, 7], 1)).toBeCloseTo((2.92 * 1) / Math.sqrt(3), 6);
    // A spread wider than the floor is used as it is.
    expect(meanMargin90([1, 2, 3, 4, 5], 0.1)).toBeCloseTo(1.5076, 3);
  });

  it('is 0 for identical values and null for fewer than two', () => {
    expect(meanMargin90([7, 7, 7])).toBe(0);
    expect(meanMargin90([7])).toBeNull();
    expect(meanMargin90([])).toBeNull();
  });

  it('uses the normal quantile beyond 31 values', () => {
    const xs = Array.from({ length: 40 }, (_, i) => (i % 2 ? 1 : -1));
    const s = Math.sqrt(40 / 39);
    expect(meanMargin90(xs)).toBeCloseTo((1.645 * s) / Math.sqrt(40), 6);
  });
});
