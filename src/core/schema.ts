/**
 * The iceprobe report, schemaVersion 1. This file is the single source of truth: the
 * TypeScript types are inferred from it, every written report is validated with it, and
 * `dist/report.schema.json` is generated from it (scripts/write-schema.ts).
 *
 * Compatibility rule: within one schemaVersion fields are only ever added (as optional),
 * never renamed or removed, so `iceprobe report` re-renders any older report of the same version.
 */
import { z } from 'zod';

export const SCHEMA_VERSION = 1 as const;

export const Status = z.enum(['pass', 'warn', 'fail', 'skip']);
export type Status = z.infer<typeof Status>;

export const Severity = z.enum(['info', 'warn', 'error']);
export type Severity = z.infer<typeof Severity>;

/** Transport between the client and the STUN/TURN server (RFC 7065 `transport` + TLS). */
export const Transport = z.enum(['udp', 'tcp', 'tls']);
export type Transport = z.infer<typeof Transport>;

export const CheckKind = z.enum([
  'config', // static checks on the configuration (port policy, missing TURN …)
  'gather', // browser ICE gathering for one URL
  'dns',
  'stun-binding',
  'turn-allocate',
  'tls-handshake',
  'call', // end-to-end loopback call through the probe relay
  'nat', // RFC 5780 behaviour discovery
  'expectation', // a user's --expect gate
  'path-quality', // paced STUN Binding burst over UDP: round-trip loss, RTT and jitter
  'relay-reach', // an outside UDP socket to the TURN relayed address and back (Data/Send indications)
  'media', // camera/microphone: secure context, the person's consent, permission, devices (serve)
]);
export type CheckKind = z.infer<typeof CheckKind>;

export const Check = z.object({
  /** Stable within a report; findings reference it. e.g. `gather:turn:127.0.0.1:3478?transport=udp`. */
  id: z.string(),
  kind: CheckKind,
  /** What was checked: a URL with secrets removed, a host name, a call id. */
  target: z.string(),
  transport: Transport.nullable(),
  status: Status,
  /** Stable, machine-readable outcome code, e.g. `OK`, `TURN_AUTH_FAILED`, `GATHER_TIMEOUT`. */
  code: z.string(),
  /** One sentence, for people. Tests never assert on it. */
  message: z.string().optional(),
  durationMs: z.number().nonnegative(),
  details: z.record(z.string(), z.unknown()),
});
export type Check = z.infer<typeof Check>;

export const CandidateType = z.enum(['host', 'srflx', 'prflx', 'relay']);
export type CandidateType = z.infer<typeof CandidateType>;

export const Candidate = z.object({
  url: z.string(),
  /** The gather check that produced it: `gather:<url>` (one URL per RTCPeerConnection) or `gather:all`. */
  checkId: z.string().optional(),
  type: CandidateType,
  protocol: z.enum(['udp', 'tcp']),
  relayProtocol: Transport.nullable(),
  address: z.string().nullable(),
  /** The address family; null for an mDNS name (`….local`) or no address. */
  family: z.enum(['ipv4', 'ipv6']).nullable().optional(),
  port: z.number().int().nullable(),
  relatedAddress: z.string().nullable().optional(),
  relatedPort: z.number().int().nullable().optional(),
  priority: z.number().nullable().optional(),
  foundation: z.string().nullable().optional(),
  elapsedMs: z.number().nonnegative(),
});
export type Candidate = z.infer<typeof Candidate>;

export const Finding = z.object({
  code: z.string(),
  severity: Severity,
  message: z.string(),
  advice: z.string(),
  checkIds: z.array(z.string()),
});
export type Finding = z.infer<typeof Finding>;

export const Phase = z.object({ name: z.string(), atMs: z.number().nonnegative() });
export const CandidateRef = z.object({
  type: CandidateType.nullable(),
  protocol: z.string().nullable(),
  relayProtocol: Transport.nullable(),
  address: z.string().nullable(),
  port: z.number().nullable(),
  url: z.string().nullable(),
});
export const ThroughputSample = z.object({
  atMs: z.number().nonnegative(),
  bitsPerSecond: z.number().nonnegative(),
  rttMs: z.number().nullable(),
});
/** The callee's receive rate over one sampling interval; atMs is the interval's end since its data started. */
export const ReceivedSample = z.object({
  atMs: z.number().nonnegative(),
  bitsPerSecond: z.number().nonnegative(),
  packetsPerSecond: z.number().nonnegative(),
  /** What the callee sent back over the same interval (the data channel's acknowledgements). */
  reverseBitsPerSecond: z.number().nonnegative(),
  reversePacketsPerSecond: z.number().nonnegative(),
  /**
   * What the callee's application received over the interval (data-channel payload, no headers,
   * no retransmissions): the series the headline figure is made of.
   */
  appBitsPerSecond: z.number().nonnegative().optional(),
});
export type ReceivedSample = z.infer<typeof ReceivedSample>;
/**
 * What a call moved. `bitsPerSecond` is the headline, the one figure every view shows (table,
 * HTML, Markdown, check details, gates, the exporter): application data delivered to the callee
 * per second over the steady part of the transfer (its application bytes over the intervals after
 * the slow-start warm-up, capped by what its transport received; the whole transfer's goodput when
 * there are none). It counts only bytes that
 * arrived, so it can never exceed what the path carries. The other figures are evidence.
 */
export const Throughput = z.object({
  bitsPerSecond: z.number().nonnegative(),
  /**
   * How well the transfer pinned the headline down: the half-width of its 90 % confidence
   * interval, in percent of it, from the spread of the steady intervals (browser/converge.ts).
   * Absent when there were fewer than two steady intervals (the headline is then the whole goodput).
   */
  marginPercent: z.number().nonnegative().optional(),
  /**
   * The sender's transport counter over the data phase. It also counts what a shaper dropped and
   * what was retransmitted, so on a constrained path it reads above the link's rate: never a headline.
   */
  sentBitsPerSecond: z.number().nonnegative().optional(),
  /** The callee's application bytes over the whole transfer, first to last byte (slow start included). */
  goodputBitsPerSecond: z.number().nonnegative(),
  /** The callee's steady receive rate (median of its intervals after its first second of data): the bottleneck's rate when saturated. */
  receivedBitsPerSecond: z.number().nonnegative().optional(),
  /** The callee's transport counters as rates per sampling interval. */
  receivedSamples: z.array(ReceivedSample).optional(),
  bytes: z.number().nonnegative(),
  durationMs: z.number().nonnegative(),
  /** The sender's transport counter per sampling interval, with the RTT it read (see sentBitsPerSecond). */
  samples: z.array(ThroughputSample),
});
export type Throughput = z.infer<typeof Throughput>;
export const Call = z.object({
  id: z.string(),
  checkId: z.string(),
  policy: z.enum(['relay', 'all']),
  /**
   * The callee's side: absent for calls where both pages use the same servers and policy;
   * `direct` for the one-sided call (caller relay-forced, callee without TURN, policy all).
   */
  peer: z.literal('direct').optional(),
  /** Which server URL(s) the call was given (secrets removed). */
  via: z.array(z.string()),
  transport: Transport.nullable(),
  status: Status,
  code: z.string(),
  failedPhase: z.string().nullable(),
  setup: z.object({ totalMs: z.number().nullable(), phases: z.array(Phase) }),
  selectedPair: z.object({ local: CandidateRef, remote: CandidateRef }).nullable(),
  selectedPairChanges: z.number().int().nonnegative().nullable(),
  rttMs: z.object({ min: z.number(), median: z.number(), max: z.number() }).nullable(),
  throughput: Throughput.nullable(),
  media: z.record(z.string(), z.unknown()).nullable().optional(),
  /**
   * iceprobe serve: the other direction of the same path (the echo peer sends, the visitor's
   * browser receives), measured as a call of its own. The entry's own figures are the upload.
   */
  download: z
    .object({
      status: Status,
      code: z.string(),
      failedPhase: z.string().nullable(),
      setupMs: z.number().nullable(),
      throughput: Throughput.nullable(),
    })
    .optional(),
});
export type Call = z.infer<typeof Call>;

export const ServerEcho = z.object({
  url: z.string(),
  scheme: z.enum(['stun', 'stuns', 'turn', 'turns']),
  host: z.string(),
  port: z.number().int(),
  transport: Transport,
  /** Shown because operators need to know which account was used; the credential never is. */
  username: z.string().nullable(),
  credential: z.enum(['none', 'given', 'minted']),
});
export type ServerEcho = z.infer<typeof ServerEcho>;

export const Summary = z.object({
  status: Status,
  passed: z.number().int().nonnegative(),
  warned: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  skipped: z.number().int().nonnegative(),
});
export type Summary = z.infer<typeof Summary>;

export const Report = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  tool: z.object({ name: z.literal('iceprobe'), version: z.string() }),
  startedAt: z.string(),
  durationMs: z.number().nonnegative(),
  /** Set when the run did not finish (interrupted or an internal error): what was measured is kept. */
  partial: z.boolean().optional(),
  /** Lab runs name their scenario. */
  scenario: z.string().optional(),
  /**
   * Where the measurements were taken: `iceprobe check` on this machine, or a visitor's browser
   * through `iceprobe serve` (its result id, and the browser as it named itself).
   */
  origin: z
    .discriminatedUnion('kind', [
      z.object({ kind: z.literal('check') }),
      z.object({ kind: z.literal('serve'), resultId: z.string(), userAgent: z.string().max(512).nullable() }),
    ])
    .optional(),
  environment: z.object({
    browser: z
      .object({
        name: z.string(),
        version: z.string(),
        /** What became of --ca-file in the browser: trusted (a per-run NSS db), or why it could not be. */
        caTrust: z
          .discriminatedUnion('status', [
            z.object({ status: z.literal('trusted'), certificates: z.number().int() }),
            z.object({ status: z.literal('unavailable'), reason: z.string() }),
          ])
          .optional(),
      })
      .nullable(),
    /** Every engine that ran the in-browser probes, when more than one did (`--browser all`). */
    browsers: z.array(z.object({ name: z.string(), version: z.string() })).optional(),
    node: z.string(),
    platform: z.string(),
    embeddedServer: z.boolean().optional(),
  }),
  servers: z.array(ServerEcho),
  checks: z.array(Check),
  candidates: z.array(Candidate),
  calls: z.array(Call).optional(),
  findings: z.array(Finding),
  summary: Summary,
});
export type Report = z.infer<typeof Report>;

export function summarize(checks: readonly Check[]): Summary {
  const count = (s: Status) => checks.filter((c) => c.status === s).length;
  const failed = count('fail');
  const warned = count('warn');
  const status: Status = failed > 0 ? 'fail' : warned > 0 ? 'warn' : checks.length > 0 ? 'pass' : 'skip';
  return { status, passed: count('pass'), warned, failed, skipped: count('skip') };
}
