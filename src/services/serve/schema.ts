/**
 * What a visitor's page may post to `iceprobe serve`, as zod schemas. The page's observations
 * (probes/types.ts GatherResult and CallResult) are validated here before any judging: a post
 * that does not match is rejected with 400 and the first problems' JSON paths. Every string,
 * array and number is bounded, so a hostile page cannot make the server store arbitrary data.
 *
 * The schemas mirror probes/types.ts; test/unit/serve/schema.test-d.ts makes the typecheck fail
 * if the two drift apart.
 */
import { z } from 'zod';

const Str = (max = 512) => z.string().max(max);
const NStr = (max = 512) => Str(max).nullable();
const Ms = z.number().finite().nonnegative().max(24 * 3600 * 1000);
const Port = z.number().int().min(0).max(65_535);
const Count = z.number().finite().nonnegative().max(1e13);
const CandType = z.enum(['host', 'srflx', 'prflx', 'relay']);
const RelayProto = z.enum(['udp', 'tcp', 'tls']).nullable();

export const PageCandidateSchema = z.object({
  type: CandType,
  protocol: z.enum(['udp', 'tcp']),
  relayProtocol: RelayProto,
  address: NStr(256),
  port: Port.nullable(),
  relatedAddress: NStr(256),
  relatedPort: Port.nullable(),
  priority: z.number().int().nonnegative().max(2 ** 32).nullable(),
  foundation: NStr(64),
  elapsedMs: Ms,
  url: NStr(1024),
});

export const PageCandidateErrorSchema = z.object({
  errorCode: z.number().int().min(0).max(999),
  errorText: Str(512),
  url: NStr(1024),
  address: NStr(256),
  port: Port.nullable(),
  elapsedMs: Ms,
});

export const GatherResultSchema = z.object({
  url: Str(1024),
  candidates: z.array(PageCandidateSchema).max(256),
  errors: z.array(PageCandidateErrorSchema).max(256),
  ended: z.enum(['complete', 'timeout']),
  durationMs: Ms,
  firstMs: z.object({ host: Ms.optional(), srflx: Ms.optional(), prflx: Ms.optional(), relay: Ms.optional() }).strict(),
  userAgent: Str(512),
  setupError: NStr(1024),
});

const CallCandidateSchema = z.object({
  type: CandType.nullable(),
  protocol: NStr(16),
  relayProtocol: RelayProto,
  address: NStr(256),
  port: Port.nullable(),
  url: NStr(1024),
});

export const CallResultSchema = z.object({
  role: z.enum(['caller', 'callee']),
  ok: z.boolean(),
  failedPhase: NStr(64),
  error: NStr(1024),
  phases: z.array(z.object({ name: Str(64), atMs: Ms })).max(64),
  iceStates: z.array(z.object({ state: Str(32), atMs: Ms })).max(256),
  localCandidates: z.array(z.object({ type: Str(16), relayProtocol: NStr(16) })).max(256),
  remoteCandidates: z.array(z.object({ type: Str(16) })).max(256),
  selectedPair: z.object({ local: CallCandidateSchema, remote: CallCandidateSchema }).nullable(),
  selectedPairChanges: z.number().int().nonnegative().max(1e6).nullable(),
  samples: z.array(z.object({ atMs: Ms, bitsPerSecond: z.number().finite().nonnegative().max(1e12), rttMs: z.number().finite().nonnegative().max(600_000).nullable() })).max(2_000),
  bytes: z.number().finite().nonnegative().max(1e13),
  receiveCounter: z
    .array(z.object({ atMs: Ms, bytes: Count, packets: Count, sentBytes: Count, sentPackets: Count, appBytes: Count.optional(), appAtMs: Ms.optional() }))
    .max(2_000)
    .optional(),
  appBytes: z.number().finite().nonnegative().max(1e13),
  dataMs: Ms,
  rtts: z.array(z.number().finite().nonnegative().max(600_000)).max(2_000),
  media: z.record(Str(64), z.union([z.string().max(256), z.number(), z.boolean(), z.null()])).nullable(),
});

const DeviceCount = z.number().int().nonnegative().max(1_000);
const Dim = z.number().finite().nonnegative().max(100_000).nullable();

/** The camera/microphone observation (probes/serve-media.ts MediaObservation). */
export const MediaObservationSchema = z
  .object({
    secureContext: z.boolean(),
    supported: z.boolean(),
    requested: z.boolean(),
    granted: z.boolean(),
    errorName: z.string().regex(/^[A-Za-z]{1,64}$/, 'a DOMException name').nullable(),
    constraint: NStr(64),
    devices: z.object({ audioinput: DeviceCount, videoinput: DeviceCount, audiooutput: DeviceCount }).strict().nullable(),
    video: z.object({ width: Dim, height: Dim, frameRate: z.number().finite().nonnegative().max(1_000).nullable() }).strict().nullable(),
    audio: z.object({ sampleRate: z.number().finite().nonnegative().max(1e6).nullable(), channelCount: z.number().int().nonnegative().max(64).nullable() }).strict().nullable(),
    stoppedAll: z.boolean().nullable(),
    durationMs: Ms,
  })
  .strict()
  // A stream and an error at once, or either without a request, is not something a page sees.
  .refine((m) => !(m.granted && m.errorName !== null), { message: 'granted and errorName are exclusive', path: ['errorName'] })
  .refine((m) => m.requested || (!m.granted && m.errorName === null), { message: 'nothing is granted or refused without a request', path: ['requested'] })
  .refine((m) => !m.requested || (m.secureContext && m.supported), { message: 'a request needs a secure context with getUserMedia', path: ['requested'] });

/** The session id the server handed out: 32 hex chars. */
export const SessionId = z.string().regex(/^[0-9a-f]{32}$/, 'session: 32 hex characters');
const CallId = z.string().regex(/^[a-z0-9-]{1,32}$/, 'call id: lowercase letters, digits and -');

/** POST /api/gathered: every gathering result, in the order of the session's gather specs. */
export const GatheredPost = z.object({ session: SessionId, results: z.array(GatherResultSchema).max(64) }).strict();
/** POST /api/call: start the echo peer's side of one planned call. */
export const CallStartPost = z.object({ session: SessionId, call: CallId, direction: z.enum(['up', 'down']) }).strict();
/** POST /api/called: the page's side of that call. */
export const CalledPost = z.object({ session: SessionId, call: CallId, direction: z.enum(['up', 'down']), result: CallResultSchema }).strict();
/** POST /api/finish: build, store and judge the report. */
export const FinishPost = z.object({ session: SessionId, media: MediaObservationSchema.optional() }).strict();

export type GatheredPost = z.infer<typeof GatheredPost>;
export type CallStartPost = z.infer<typeof CallStartPost>;
export type CalledPost = z.infer<typeof CalledPost>;
export type FinishPost = z.infer<typeof FinishPost>;

/** "a.b[2].c: message" for the first few issues: the 400's reason. */
export function describeIssues(error: z.ZodError, max = 5): string {
  return error.issues
    .slice(0, max)
    .map((i) => {
      const path = i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
      return `${path || '(top level)'}: ${i.message}`;
    })
    .join('; ');
}
