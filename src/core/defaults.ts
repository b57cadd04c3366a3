/**
 * Every default and threshold that more than one stage reads, named once. A stage that needs one
 * imports it from here (or gets it from the resolved config); nothing spells the number again.
 */

/** A call that takes longer than this from signaling to an open data channel is SLOW_SETUP. */
export const SLOW_SETUP_MS = 2_000;

/**
 * Throughput thresholds, a named pair with two meanings:
 * - CALL_LOW_THROUGHPUT_BPS: the call check's own code. Below it a relay cannot carry even one
 *   720p video call, so the call check says LOW_THROUGHPUT.
 * - FINDING_LOW_THROUGHPUT_BPS: the diagnosis' finding (overridable per run). Below it a relay
 *   has no headroom for one HD call plus retransmissions, so the run gets a LOW_THROUGHPUT finding.
 */
export const CALL_LOW_THROUGHPUT_BPS = 1_000_000;
export const FINDING_LOW_THROUGHPUT_BPS = 5_000_000;

/** The path-quality burst (a paced burst of STUN Binding requests over UDP). */
export const PATH_QUALITY_DEFAULTS = {
  /** Requests per burst: 200 gives a one-way loss estimate within about ±1 point at 5 %. */
  count: 200,
  spacingMs: 5,
  /** Wait for late answers after the last request (bounded by the probe's timeout). */
  tailMs: 1_000,
  /** One-way loss (percent) from which the check warns; real-time media degrades beyond ~1-2 %. */
  lossThresholdPercent: 2,
} as const;
