/** Small pure statistics shared by the probes, the calls, the lab and the benchmarks. */

/** The median of the values (the mean of the middle two for an even count); 0 for none. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

/**
 * Student's t quantile for a two-sided 90 % interval (t at 0.95) by degrees of freedom, 1..30;
 * beyond 30 the normal quantile 1.645 is within 3 %.
 */
const T95 = [6.314, 2.92, 2.353, 2.132, 2.015, 1.943, 1.895, 1.86, 1.833, 1.812, 1.796, 1.782, 1.771, 1.761, 1.753, 1.746, 1.74, 1.734, 1.729, 1.725, 1.721, 1.717, 1.714, 1.711, 1.708, 1.706, 1.703, 1.701, 1.699, 1.697];

/**
 * The half-width of the 90 % confidence interval of the mean of `xs` (Student's t, the values
 * taken as independent samples), in the values' unit; null for fewer than two values.
 * For interval rates of one transfer this is how far the mean could still move: bursty delivery
 * (a stall, then a burst) is negatively correlated, so the margin errs on the wide side; a slow
 * drift is not caught by it (the convergence rule refuses a climb separately). `minSd` floors the
 * standard deviation: values known only to a step (whole messages per interval) that happen to
 * agree do not make a mean certain.
 */
export function meanMargin90(xs: readonly number[], minSd = 0): number | null {
  const n = xs.length;
  if (n < 2) return null;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
  return ((T95[n - 2] ?? 1.645) * Math.max(minSd, Math.sqrt(variance))) / Math.sqrt(n);
}
