/**
 * Every default and threshold that more than one stage reads, named once. A stage that needs one
 * imports it from here (or gets it from the resolved config); nothing spells the number again.
 */

/** Bound per URL (gathering, each protocol probe) and per call setup, unless --timeout says otherwise. */
export const DEFAULT_TIMEOUT_MS = 5_000;

/**
 * Seconds of data per call direction, one named default per command, because they answer
 * different questions (a flag or the config file's "durationS" overrides either):
 * - CHECK_CALL_DURATION_S: `iceprobe check` sends one way per call (caller → callee), and its
 *   throughput feeds gates (`--expect throughput>5M`, LOW_THROUGHPUT): 3 s leaves about 2 s
 *   of steady transfer after the data channel's congestion window has ramped up.
 * - VISIT_CALL_DURATION_S: `iceprobe serve` measures both directions of each relayed call while
 *   a person waits in front of the page: 2 s each way is 4 s of data per relay, more than one
 *   check call carries; at 3 s each way a visit would spend 6 s per relay transport.
 * - LAB_CALL_DURATION_S: `iceprobe lab run` runs the check in many scenarios one after another;
 *   a scenario whose ground truth needs a longer transfer raises it (check.minDurationS).
 */
export const CHECK_CALL_DURATION_S = 3;
export const VISIT_CALL_DURATION_S = 2;
export const LAB_CALL_DURATION_S = 2;

/**
 * Lifetime of minted TURN REST credentials (draft-uberti-behave-turn-rest):
 * - REST_CREDENTIAL_TTL_S: minted once per check run; outlives the longest run.
 * - VISIT_REST_CREDENTIAL_TTL_S: minted per `serve` visit and handed to the visitor's page, so
 *   they should not stay useful long after the visit: 15 minutes covers a slow visit.
 */
export const REST_CREDENTIAL_TTL_S = 3_600;
export const VISIT_REST_CREDENTIAL_TTL_S = 900;

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

/**
 * Size of each message a call's caller sends (CallSpec.messageBytes). The callee's application
 * count moves in these steps, so a 250 ms interval's rate is known only to one message's worth
 * (16 KiB in 250 ms: 0.52 Mbit/s); the headline's margin accounts for it (browser/calls.ts).
 */
export const CALL_MESSAGE_BYTES = 16 * 1024;

/** The first second of a transfer is SCTP's slow start (overshooting a shaper): left out of steady rates and of the headline. */
export const SLOW_START_MS = 1_000;
