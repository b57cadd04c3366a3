/**
 * The rate a call really delivered: the callee's application goodput (bytes that arrived, first
 * to last byte) when measured, else the caller's transport counter. The sender's counter also
 * counts what a shaper or a socket buffer swallowed, so it reads high on constrained paths.
 */
export function deliveredBitsPerSecond(t: { bitsPerSecond: number; goodputBitsPerSecond: number } | null | undefined): number | null {
  if (!t) return null;
  return t.goodputBitsPerSecond > 0 ? t.goodputBitsPerSecond : t.bitsPerSecond;
}
