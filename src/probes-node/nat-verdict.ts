/**
 * NAT behaviour discovery, the pure half: what the tests of RFC 5780 §4 observed → a verdict in
 * RFC 4787 terms (mapping §4.1, filtering §5), the classic RFC 3489 label beside them, and a
 * stable code. No sockets, no clock: the IO half (nat.ts) fills `NatObservations`.
 *
 * Tests (all from one local UDP socket; P = primary address IP1:P1, A = OTHER-ADDRESS IP2:P2):
 *   I           Binding to IP1:P1                       → mapped X1, OTHER-ADDRESS, RESPONSE-ORIGIN
 *   filter-II   to IP1:P1, CHANGE-REQUEST(ip, port)     → answer from IP2:P2 ⇒ endpoint-independent filtering (§4.4)
 *   filter-III  to IP1:P1, CHANGE-REQUEST(port)         → answer from IP1:P2 ⇒ address-dependent, none ⇒ address-and-port-dependent
 *   map-II      to IP2:P1                               → X2 = X1 ⇒ endpoint-independent mapping (§4.3)
 *   map-III     to IP2:P2                               → X3 = X2 ⇒ address-dependent, else address-and-port-dependent
 *   hairpin     to X1 from the same socket              → our own request comes back ⇒ hairpinning (§4.5)
 * The filtering tests run before the mapping tests: once the socket has sent to IP2, an
 * address-dependent filter would let IP2's answers in and filter-II would read as open.
 *
 * "No answer" is only ever concluded after a full RFC 8489 retransmission schedule, repeated
 * (`attempts` ≥ 2) for the decisive filtering tests, so one lost datagram cannot make a NAT look
 * stricter than it is.
 */
import type { TransportAddress } from '../stun/address.js';
import { formatTransportAddress } from '../stun/address.js';
import { ProtocolCode } from '../core/codes.js';
import { classicNatLabel, isSymmetricMapping, type ClassicNatLabel, type NatBehaviour } from '../core/nat.js';

export type { ClassicNatLabel, NatBehaviour } from '../core/nat.js';

/** One Binding transaction of the discovery, as observed. */
export type TestOutcome =
  | {
      kind: 'answer';
      /** XOR-MAPPED-ADDRESS (or MAPPED-ADDRESS). */
      mapped: TransportAddress | null;
      /** Where the answer actually came from (the datagram's source). */
      from: TransportAddress;
      responseOrigin: TransportAddress | null;
      otherAddress: TransportAddress | null;
      rttMs: number;
      sends: number;
      attempts: number;
    }
  /** A STUN error response (e.g. 420 for CHANGE-REQUEST on a server without RFC 5780). */
  | { kind: 'error'; errorCode: number | null; from: TransportAddress; sends: number; attempts: number }
  /** No answer to any send of the full retransmission schedule, `attempts` times over. */
  | { kind: 'no-answer'; sends: number; attempts: number; elapsedMs: number }
  /** The transaction failed otherwise (socket error, malformed answer …): a transaction failure code. */
  | { kind: 'failed'; code: string; detail: string; sends: number; attempts: number };

export interface NatObservations {
  /** The primary server address the probe was pointed at. */
  server: TransportAddress;
  /** The local socket's address (its bound address; 0.0.0.0 / :: when unspecified). */
  local: TransportAddress;
  /** Local interface addresses of the socket's family, to tell "no NAT" (X1 is ours). */
  localAddresses: readonly string[];
  testI: TestOutcome;
  filterII?: TestOutcome;
  filterIII?: TestOutcome;
  mapII?: TestOutcome;
  mapIII?: TestOutcome;
  /** true: our own request came back through the NAT; false: not within the bound; undefined: not tried. */
  hairpin?: boolean;
}

/** The codes a nat check can have (strings and advice live in codes.ts). */
export const NatCode = {
  OK: ProtocolCode.OK, // endpoint-independent mapping (a "cone" NAT, or no NAT)
  NAT_ADDRESS_DEPENDENT_MAPPING: ProtocolCode.NAT_ADDRESS_DEPENDENT_MAPPING,
  NAT_ADDRESS_AND_PORT_DEPENDENT_MAPPING: ProtocolCode.NAT_ADDRESS_AND_PORT_DEPENDENT_MAPPING,
  NAT_UNSUPPORTED_SERVER: ProtocolCode.NAT_UNSUPPORTED_SERVER,
  NAT_INCOMPLETE: ProtocolCode.NAT_INCOMPLETE,
  TIMEOUT: ProtocolCode.TIMEOUT, // test I: no answer from the primary address at all
  STUN_ERROR_RESPONSE: ProtocolCode.STUN_ERROR_RESPONSE, // test I: the server refused a plain Binding
} as const;
export type NatCode = (typeof NatCode)[keyof typeof NatCode];

export interface NatVerdict {
  code: string;
  mapping: NatBehaviour;
  filtering: NatBehaviour;
  /** null when not tried or not decidable. */
  hairpinning: boolean | null;
  classicLabel: ClassicNatLabel;
  /** No NAT between this socket and the server (X1 is a local address). */
  natPresent: boolean | null;
  /** Why the verdict is incomplete, when it is (one short phrase each). */
  notes: string[];
  /** What it means for calls, one sentence. */
  meaning: string;
  /** Mapped addresses per test, plus where answers came from. */
  evidence: Record<string, unknown>;
}

const fmt = (a: TransportAddress | null | undefined) => (a ? formatTransportAddress(a) : null);
const sameAddr = (a: TransportAddress | null | undefined, b: TransportAddress | null | undefined) =>
  !!a && !!b && a.family === b.family && a.address === b.address && a.port === b.port;

/** What a mapping/filtering pair means for direct (peer-to-peer) calls. */
export function natMeaning(mapping: NatBehaviour, filtering: NatBehaviour, natPresent: boolean | null): string {
  if (isSymmetricMapping(mapping)) {
    return 'Symmetric NAT: the public port learned from STUN only works toward the STUN server, so peers behind this NAT need a relay (TURN) when the other side is also symmetric or port-restricted.';
  }
  if (mapping === 'endpoint-independent') {
    if (natPresent === false && filtering === 'endpoint-independent') return 'No NAT and no filtering: peers can reach this host directly.';
    if (filtering === 'endpoint-independent') return 'Full-cone behaviour: anyone can reach the mapped address, so direct calls work with any peer that can send to it.';
    if (filtering === 'address-dependent' || filtering === 'address-and-port-dependent')
      return 'Cone mapping: the same public address for every peer, so ICE hole punching works with most peers; only a peer behind a symmetric NAT needs a relay.';
    return 'Cone mapping: the same public address for every peer, so ICE hole punching usually works; filtering could not be tested.';
  }
  return 'The NAT type could not be determined; keep a TURN server in the configuration.';
}

function answered(o: TestOutcome | undefined): o is Extract<TestOutcome, { kind: 'answer' }> {
  return o?.kind === 'answer';
}

/** An error response that says "I do not do RFC 5780" (420 Unknown Attribute for CHANGE-REQUEST, or 400). */
function unsupportedError(o: TestOutcome | undefined): boolean {
  return o?.kind === 'error' && (o.errorCode === 420 || o.errorCode === 400);
}

function outcomeEvidence(o: TestOutcome | undefined): Record<string, unknown> | null {
  if (!o) return null;
  switch (o.kind) {
    case 'answer':
      return { outcome: 'answer', mapped: fmt(o.mapped), from: fmt(o.from), responseOrigin: fmt(o.responseOrigin), rttMs: Math.round(o.rttMs * 100) / 100, sends: o.sends, attempts: o.attempts };
    case 'error':
      return { outcome: 'error', errorCode: o.errorCode, from: fmt(o.from), sends: o.sends, attempts: o.attempts };
    case 'no-answer':
      return { outcome: 'no-answer', sends: o.sends, attempts: o.attempts, elapsedMs: Math.round(o.elapsedMs) };
    case 'failed':
      return { outcome: 'failed', code: o.code, detail: o.detail, sends: o.sends, attempts: o.attempts };
  }
}

/** Where the server says its alternate address is (OTHER-ADDRESS), when usable for RFC 5780. */
export function usableOtherAddress(testI: TestOutcome, server: TransportAddress): TransportAddress | null {
  if (!answered(testI) || !testI.otherAddress) return null;
  const o = testI.otherAddress;
  if (o.family !== server.family) return null;
  // The alternate must differ in both IP and port (RFC 5780 §7.4 / §4.3).
  if (o.address === server.address || o.port === server.port) return null;
  return o;
}

/** Pure: observations → verdict. */
export function judgeNat(obs: NatObservations): NatVerdict {
  const { testI, server } = obs;
  const notes: string[] = [];
  const evidence: Record<string, unknown> = {
    server: fmt(server),
    local: fmt(obs.local),
    testI: outcomeEvidence(testI),
    filterII: outcomeEvidence(obs.filterII),
    filterIII: outcomeEvidence(obs.filterIII),
    mapII: outcomeEvidence(obs.mapII),
    mapIII: outcomeEvidence(obs.mapIII),
  };
  const done = (code: string, mapping: NatBehaviour, filtering: NatBehaviour, natPresent: boolean | null): NatVerdict => ({
    code,
    mapping,
    filtering,
    hairpinning: obs.hairpin ?? null,
    natPresent,
    classicLabel: classicNatLabel(mapping, filtering, natPresent),
    notes,
    meaning: natMeaning(mapping, filtering, natPresent),
    evidence,
  });

  if (testI.kind === 'no-answer') {
    notes.push('no answer from the server');
    return done(NatCode.TIMEOUT, 'unknown', 'unknown', null);
  }
  if (testI.kind === 'failed') {
    notes.push(`test I failed: ${testI.code}`);
    return done(testI.code, 'unknown', 'unknown', null);
  }
  if (testI.kind === 'error') {
    notes.push(`the server answered a plain Binding with error ${testI.errorCode ?? '(none)'}`);
    return done(unsupportedError(testI) ? NatCode.NAT_UNSUPPORTED_SERVER : NatCode.STUN_ERROR_RESPONSE, 'unknown', 'unknown', null);
  }
  const x1 = testI.mapped;
  evidence.mappedAddress = fmt(x1);
  evidence.otherAddress = fmt(testI.otherAddress);
  evidence.responseOrigin = fmt(testI.responseOrigin);
  const natPresent = x1 ? !(obs.localAddresses.includes(x1.address) && (obs.local.port === 0 || x1.port === obs.local.port)) : null;
  const alt = usableOtherAddress(testI, server);
  if (!x1 || !alt) {
    notes.push(!x1 ? 'no mapped address in the answer' : testI.otherAddress ? 'OTHER-ADDRESS is not a distinct address and port' : 'no OTHER-ADDRESS: the server does not support RFC 5780');
    return done(NatCode.NAT_UNSUPPORTED_SERVER, natPresent === false ? 'endpoint-independent' : 'unknown', 'unknown', natPresent);
  }

  // ---- filtering (§4.4)
  let filtering: NatBehaviour = 'unknown';
  let serverIgnoresChange = false;
  const f2 = obs.filterII;
  const f3 = obs.filterIII;
  const changedPort: TransportAddress = { family: server.family, address: server.address, port: alt.port };
  if (unsupportedError(f2) || unsupportedError(f3)) {
    notes.push('the server rejects CHANGE-REQUEST');
    serverIgnoresChange = true;
  } else if (answered(f2)) {
    if (sameAddr(f2.from, alt)) filtering = 'endpoint-independent';
    else {
      notes.push(`CHANGE-REQUEST(ip, port) answered from ${fmt(f2.from)}, not from the other address ${fmt(alt)}`);
      serverIgnoresChange = true;
    }
  } else if (f2?.kind === 'no-answer') {
    if (answered(f3)) {
      if (sameAddr(f3.from, changedPort)) filtering = 'address-dependent';
      else {
        notes.push(`CHANGE-REQUEST(port) answered from ${fmt(f3.from)}, not from ${fmt(changedPort)}`);
        serverIgnoresChange = true;
      }
    } else if (f3?.kind === 'no-answer') filtering = 'address-and-port-dependent';
    else if (f3) notes.push(`filtering test III ${f3.kind === 'failed' ? `failed (${f3.code}: ${f3.detail})` : 'got no usable answer'}`);
  } else if (f2) notes.push(`filtering test II ${f2.kind === 'failed' ? `failed (${f2.code}: ${f2.detail})` : 'got no usable answer'}`);

  // ---- mapping (§4.3)
  let mapping: NatBehaviour = 'unknown';
  let altSilent = false;
  const m2 = obs.mapII;
  const m3 = obs.mapIII;
  if (natPresent === false) mapping = 'endpoint-independent';
  else if (answered(m2) && m2.mapped) {
    if (sameAddr(m2.mapped, x1)) mapping = 'endpoint-independent';
    else if (answered(m3) && m3.mapped) mapping = sameAddr(m3.mapped, m2.mapped) ? 'address-dependent' : 'address-and-port-dependent';
    else if (m3?.kind === 'no-answer') {
      notes.push('mapping test III got no answer from the other address and port');
      altSilent = true;
    } else if (m3) notes.push(`mapping test III ${m3.kind === 'failed' ? `failed (${m3.code}: ${m3.detail})` : 'got no usable answer'}`);
  } else if (m2?.kind === 'no-answer') {
    notes.push(`mapping test II got no answer from the other address ${fmt({ ...alt, port: server.port })}`);
    altSilent = true;
  } else if (m2) notes.push(`mapping test II ${m2.kind === 'failed' ? `failed (${m2.code}: ${m2.detail})` : 'got no usable answer'}`);

  const code =
    mapping === 'address-dependent'
      ? NatCode.NAT_ADDRESS_DEPENDENT_MAPPING
      : mapping === 'address-and-port-dependent'
        ? NatCode.NAT_ADDRESS_AND_PORT_DEPENDENT_MAPPING
        : mapping === 'endpoint-independent'
          ? NatCode.OK
          : serverIgnoresChange && !altSilent
            ? NatCode.NAT_UNSUPPORTED_SERVER
            : NatCode.NAT_INCOMPLETE;
  return done(code, mapping, filtering, natPresent);
}
