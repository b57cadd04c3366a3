/**
 * The one throughput figure a call is judged and shown by (see the schema's Throughput): what the
 * callee's application received per second over the steady part of the transfer. null without a
 * measured transfer. Every renderer, rule, gate and metric reads it here, so none can pick another.
 */
export function deliveredBitsPerSecond(t: { bitsPerSecond: number } | null | undefined): number | null {
  return t ? t.bitsPerSecond : null;
}
