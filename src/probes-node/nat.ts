/**
 * NAT behaviour discovery (RFC 5780 §4), the IO half: runs the tests from ONE local UDP socket
 * (injected, with the clock) and hands the observations to the pure `judgeNat` (nat-verdict.ts).
 *
 * Retransmission (RFC 8489 §6.2.1): test I uses the RFC defaults (RTO 500 ms, Rc 7, Rm 16,
 * bounded by `timeoutMs`). Its round trip then sets the RTO of the later tests as RFC 6298 does
 * for a first sample (RTO = 3·RTT, Karn: only from an unretransmitted answer), clamped to
 * [minRtoMs, 500 ms] (median of three clean samples), with Rc 5 and Rm 8 (both "SHOULD be
 * configurable"; RTO ≥ 3·RTT already leaves room for the last answer). A test whose answer
 * is missing counts as "no answer" only after that whole schedule, `attempts` times (default 2:
 * the decisive test is repeated), so one lost datagram cannot make a NAT look stricter. A
 * schedule cut short by the overall budget is a failure, never a "no answer".
 *
 * Binding lifetime (§4.6, only when asked): a second socket Y sends a Binding with
 * RESPONSE-PORT (§7.5) = X's mapped port after X has been idle for T seconds; the answer reaches X
 * only while X's mapping lives. T doubles up to a bound. (The one place a second socket is used:
 * any packet from X would refresh the mapping under test.)
 */
import type { Check } from '../core/schema.js';
import type { Clock } from '../net/clock.js';
import type { ChannelEvent, StunChannel } from '../net/channel.js';
import { runTransaction, retransmitSchedule } from '../net/transaction.js';
import { AttributeType } from '../stun/attribute-types.js';
import { formatTransportAddress, type TransportAddress } from '../stun/address.js';
import { changeRequest, readAddress, readErrorCode, software as softwareAttr, valueOf } from '../stun/attributes.js';
import { HEADER_LENGTH, Method } from '../stun/header.js';
import { decodeMessage, encodeMessage, type AttributeSpec } from '../stun/message.js';
import type { IceUri } from '../core/uri.js';
import { makeCheck } from './check.js';
import { resolveHost, systemResolver, type Resolver } from './dns.js';
import { openNatSocket, type NatSocket, type OpenNatSocket } from './nat-socket.js';
import { judgeNat, type NatObservations, type NatVerdict, type TestOutcome } from './nat-verdict.js';
import { ProtocolCode } from '../core/codes.js';
import { systemClock } from '../net/clock.js';
import { isIP } from 'node:net';

export { judgeNat, natMeaning, NatCode, type NatBehaviour, type NatObservations, type NatVerdict, type TestOutcome } from './nat-verdict.js';
export { openNatSocket, type NatSocket, type OpenNatSocket } from './nat-socket.js';

/** RFC 5780 §7.5 RESPONSE-PORT (comprehension-required). */
export const RESPONSE_PORT = 0x0027;
export const INITIAL_RTO_MS = 500;
export const DEFAULT_MIN_RTO_MS = 100;
export const DEFAULT_NAT_RC = 5;
export const DEFAULT_NAT_RM = 8;
/** Clean round-trip samples (test I and extra Bindings) whose median sets the RTO. */
export const RTT_SAMPLES = 3;
export const DEFAULT_ATTEMPTS = 2;
/** Bound on --nat-lifetime, seconds. */
import { MAX_LIFETIME_SECONDS } from './nat-limits.js';
import { checkId } from '../core/ids.js';
export { MAX_LIFETIME_SECONDS };

export interface NatDiscoveryOptions {
  clock: Clock;
  /** Bound for test I (the server's primary address). */
  timeoutMs: number;
  /** Bound for the whole discovery except the lifetime test (default: test I's bound, then 2·attempts full schedules at the measured RTO). */
  budgetMs?: number;
  minRtoMs?: number;
  rc?: number;
  rm?: number;
  /** How often a test without answer is run (full schedule each time) before "no answer" stands. */
  attempts?: number;
  /** Try hairpinning (§4.5). Default true. */
  hairpin?: boolean;
  /** Measure the binding lifetime up to this many seconds (§4.6); needs `openSocket`. */
  lifetimeMaxSeconds?: number;
  openSocket?: OpenNatSocket;
  signal?: AbortSignal;
  software?: string;
}

export interface LifetimeResult {
  /** Longest idle time (s) after which the mapping still delivered an answer. */
  aliveAfterSeconds: number | null;
  /** Shortest idle time (s) after which it did not (null: alive through the bound). */
  expiredBySeconds: number | null;
  testedSeconds: number[];
  method: 'response-port';
  /** X's mapping came back with another address or port after an idle period. */
  mappingChanged?: boolean;
  /** Set when the test could not run (server refused RESPONSE-PORT, no mapping …). */
  problem?: string;
}

export interface NatDiscovery {
  observations: NatObservations;
  rtoMs: number;
  lifetime?: LifetimeResult;
}

const txKey = (b: Uint8Array) => Buffer.from(b.subarray(8, HEADER_LENGTH)).toString('hex');

/** A StunChannel view of the shared socket for one transaction: sends to `to`, sees only frames of `txId`. */
function transactionChannel(sock: NatSocket, to: TransportAddress, txId: string, onFrom: (from: TransportAddress) => void): StunChannel {
  return {
    transport: 'udp',
    reliable: false,
    send: (data) => sock.send(data, to),
    subscribe: (l: (e: ChannelEvent) => void) =>
      sock.subscribe((data, from) => {
        if (data.length < HEADER_LENGTH || txKey(data) !== txId) return;
        onFrom(from);
        l({ kind: 'frame', data });
      }),
    close: () => undefined,
  };
}

interface Schedule {
  rtoMs: number;
  rc: number;
  rm: number;
}

export async function discoverNat(sock: NatSocket, server: TransportAddress, o: NatDiscoveryOptions): Promise<NatDiscovery> {
  const clock = o.clock;
  const start = clock.now();
  // Until test I has measured the round trip: its own bound; then derived from the RTO (below).
  let budgetEnd = start + (o.budgetMs ?? o.timeoutMs * 4);
  const attempts = Math.max(1, o.attempts ?? DEFAULT_ATTEMPTS);
  const base: AttributeSpec[] = o.software ? [softwareAttr(o.software)] : [];

  /** One Binding test, repeated up to `tries` times while it gets no answer. */
  const test = async (to: TransportAddress, attrs: AttributeSpec[], s: Schedule, tries: number, deadline: number): Promise<TestOutcome> => {
    let sends = 0;
    let elapsed = 0;
    for (let attempt = 1; ; attempt++) {
      const req = encodeMessage({ method: Method.Binding, cls: 'request', attributes: [...base, ...attrs] }, { fingerprint: true });
      let from: TransportAddress | null = null;
      const ch = transactionChannel(sock, to, txKey(req), (f) => (from ??= f));
      const full = retransmitSchedule(s).giveUpAt;
      const remaining = deadline - clock.now();
      const r = await runTransaction(ch, req, { timeoutMs: Math.max(0, remaining), rtoMs: s.rtoMs, rc: s.rc, rm: s.rm, clock, ...(o.signal ? { signal: o.signal } : {}) });
      sends += r.sends;
      if (r.ok) {
        const m = r.response;
        const src = from ?? to;
        if (m.cls === 'error') return { kind: 'error', errorCode: valueOf(readErrorCode(m))?.code ?? null, from: src, sends, attempts: attempt };
        return {
          kind: 'answer',
          mapped: valueOf(readAddress(m, AttributeType.XOR_MAPPED_ADDRESS)) ?? valueOf(readAddress(m, AttributeType.MAPPED_ADDRESS)) ?? null,
          from: src,
          responseOrigin: valueOf(readAddress(m, AttributeType.RESPONSE_ORIGIN)) ?? null,
          otherAddress: valueOf(readAddress(m, AttributeType.OTHER_ADDRESS)) ?? null,
          rttMs: r.rttMs,
          sends,
          attempts: attempt,
        };
      }
      elapsed += r.elapsedMs;
      if (r.code !== 'TIMEOUT') return { kind: 'failed', code: r.code, detail: r.detail, sends, attempts: attempt };
      // A schedule the deadline cut short proves nothing.
      if (remaining < full) return { kind: 'failed', code: 'TIMEOUT', detail: `the probe's time budget ended after ${sends} send(s)`, sends, attempts: attempt };
      if (attempt >= tries) return { kind: 'no-answer', sends, attempts: attempt, elapsedMs: elapsed };
    }
  };

  const local = sock.local();
  const observations: NatObservations = { server, local, localAddresses: sock.localAddresses(), testI: { kind: 'no-answer', sends: 0, attempts: 0, elapsedMs: 0 } };
  const first: Schedule = { rtoMs: INITIAL_RTO_MS, rc: 7, rm: 16 };
  observations.testI = await test(server, [], first, 1, Math.min(budgetEnd, start + o.timeoutMs));
  const t1 = observations.testI;
  const other = t1.kind === 'answer' ? t1.otherAddress : null;
  const x1 = t1.kind === 'answer' ? t1.mapped : null;
  if (t1.kind !== 'answer' || !other || !x1 || other.family !== server.family || other.address === server.address || other.port === server.port) {
    return { observations, rtoMs: INITIAL_RTO_MS };
  }
  // RFC 6298 §2.2 for the first sample, and Karn: never from a retransmitted request (its answer
  // could be to any send). One sample taken while the machine is busy can be far off, so the
  // median of three clean ones (test I and extra Bindings, which cost one round trip each).
  const samples = t1.sends === 1 ? [t1.rttMs] : [];
  for (let i = 0; samples.length < RTT_SAMPLES && i < RTT_SAMPLES + 2; i++) {
    const again = await test(server, [], first, 1, Math.min(budgetEnd, clock.now() + o.timeoutMs));
    if (again.kind === 'answer' && again.sends === 1) samples.push(again.rttMs);
  }
  const sample = samples.length === 0 ? null : ([...samples].sort((x, y) => x - y)[Math.floor((samples.length - 1) / 2)] ?? null);
  // RFC 8489 §6.2.1: no rounding up to 1 s; never above the initial 500 ms.
  const rtoMs = sample === null ? INITIAL_RTO_MS : Math.min(INITIAL_RTO_MS, Math.max(o.minRtoMs ?? DEFAULT_MIN_RTO_MS, 3 * sample));
  const later: Schedule = { rtoMs, rc: o.rc ?? DEFAULT_NAT_RC, rm: o.rm ?? DEFAULT_NAT_RM };
  // Worst case after test I: the filtering pair and the mapping pair, each run `attempts` full schedules, then hairpinning.
  if (o.budgetMs === undefined) budgetEnd = clock.now() + 2 * attempts * retransmitSchedule(later).giveUpAt + retransmitSchedule({ ...later, rc: 3, rm: 4 }).giveUpAt + 1_000;

  // Filtering first (see nat-verdict.ts): both go to the primary address only, so they may overlap.
  [observations.filterII, observations.filterIII] = await Promise.all([
    test(server, [changeRequest({ changeIp: true, changePort: true })], later, attempts, budgetEnd),
    test(server, [changeRequest({ changePort: true })], later, attempts, budgetEnd),
  ]);
  // Mapping: the alternate IP with the primary port, and the alternate IP and port.
  [observations.mapII, observations.mapIII] = await Promise.all([
    test({ ...other, port: server.port }, [], later, attempts, budgetEnd),
    test(other, [], later, attempts, budgetEnd),
  ]);

  const isLocal = observations.localAddresses.includes(x1.address) && x1.port === local.port;
  if ((o.hairpin ?? true) && !isLocal) observations.hairpin = await hairpin(sock, x1, { rtoMs, rc: 3, rm: 4 }, clock, budgetEnd);

  const out: NatDiscovery = { observations, rtoMs };
  if (o.lifetimeMaxSeconds !== undefined && o.lifetimeMaxSeconds > 0 && o.openSocket) {
    out.lifetime = await measureLifetime(sock, server, x1, Math.min(MAX_LIFETIME_SECONDS, o.lifetimeMaxSeconds), { ...o, openSocket: o.openSocket }, later, test);
  }
  return out;
}

/** §4.5: a Binding request to our own mapped address; hairpinning if it comes back to us. */
function hairpin(sock: NatSocket, x1: TransportAddress, s: Schedule, clock: Clock, budgetEnd: number): Promise<boolean> {
  const req = encodeMessage({ method: Method.Binding, cls: 'request' }, { fingerprint: true });
  const key = txKey(req);
  const { sendsAt, giveUpAt } = retransmitSchedule(s);
  return new Promise((resolve) => {
    const cancels: (() => void)[] = [];
    let done = false;
    const finish = (v: boolean) => {
      if (done) return;
      done = true;
      for (const c of cancels) c();
      resolve(v);
    };
    cancels.push(
      sock.subscribe((data) => {
        if (data.length < HEADER_LENGTH || txKey(data) !== key) return;
        const d = decodeMessage(data);
        if (d.ok && d.message.cls === 'request') finish(true);
      }),
    );
    const end = Math.max(0, Math.min(giveUpAt, budgetEnd - clock.now()));
    cancels.push(clock.setTimer(() => finish(false), end));
    for (const at of sendsAt) if (at < end) cancels.push(clock.setTimer(() => sock.send(req, x1), at));
  });
}

function responsePort(port: number): AttributeSpec {
  const value = Buffer.alloc(4);
  value.writeUInt16BE(port, 0);
  return { type: RESPONSE_PORT, value };
}

type TestFn = (to: TransportAddress, attrs: AttributeSpec[], s: Schedule, tries: number, deadline: number) => Promise<TestOutcome>;

/**
 * Y sends a Binding with RESPONSE-PORT = port (retransmitted per `s`); the answer goes to this
 * NAT's public address at that port. 'arrived' when X receives it, 'refused' when Y gets an
 * error response, 'none' after the whole schedule.
 */
function viaResponsePort(x: NatSocket, y: NatSocket, server: TransportAddress, port: number, s: Schedule, clock: Clock): Promise<'arrived' | 'refused' | 'none'> {
  const req = encodeMessage({ method: Method.Binding, cls: 'request', attributes: [responsePort(port)] }, { fingerprint: true });
  const key = txKey(req);
  const { sendsAt, giveUpAt } = retransmitSchedule(s);
  return new Promise((resolve) => {
    const cancels: (() => void)[] = [];
    let done = false;
    const finish = (v: 'arrived' | 'refused' | 'none') => {
      if (done) return;
      done = true;
      for (const c of cancels) c();
      resolve(v);
    };
    const answerOf = (data: Buffer) => {
      if (data.length < HEADER_LENGTH || txKey(data) !== key) return null;
      const d = decodeMessage(data);
      return d.ok ? d.message.cls : null;
    };
    cancels.push(x.subscribe((data) => answerOf(data) === 'success' && finish('arrived')));
    cancels.push(y.subscribe((data) => answerOf(data) === 'error' && finish('refused')));
    cancels.push(clock.setTimer(() => finish('none'), giveUpAt));
    for (const at of sendsAt) cancels.push(clock.setTimer(() => y.send(req, server), at));
  });
}

async function measureLifetime(
  x: NatSocket,
  server: TransportAddress,
  firstMapped: TransportAddress,
  maxSeconds: number,
  o: NatDiscoveryOptions & { openSocket: OpenNatSocket },
  s: Schedule,
  testX: TestFn,
): Promise<LifetimeResult> {
  const clock = o.clock;
  const result: LifetimeResult = { aliveAfterSeconds: null, expiredBySeconds: null, testedSeconds: [], method: 'response-port' };
  let y: NatSocket;
  try {
    y = await o.openSocket(x.family);
  } catch (e) {
    return { ...result, problem: `no second socket: ${(e as Error).message}` };
  }
  const sleep = (ms: number) => new Promise<void>((r) => void clock.setTimer(r, ms));
  try {
    for (const t of lifetimeSteps(maxSeconds)) {
      if (o.signal?.aborted) break;
      // Refresh X's mapping (this also tells its current port), then leave X idle for t seconds.
      const refresh = await testX(server, [], s, DEFAULT_ATTEMPTS, clock.now() + 60_000);
      if (refresh.kind !== 'answer' || !refresh.mapped) {
        result.problem = 'the server stopped answering';
        break;
      }
      if (refresh.mapped.port !== firstMapped.port || refresh.mapped.address !== firstMapped.address) result.mappingChanged = true;
      await sleep(t * 1000);
      result.testedSeconds.push(t);
      const r = await viaResponsePort(x, y, server, refresh.mapped.port, s, clock);
      if (r === 'refused') {
        result.problem = 'the server refused RESPONSE-PORT';
        break;
      }
      if (r === 'none') {
        result.expiredBySeconds = t;
        break;
      }
      result.aliveAfterSeconds = t;
    }
  } finally {
    y.close();
  }
  return result;
}

/** Idle times to try: 1, 2, 4 … seconds, ending exactly at the bound. */
export function lifetimeSteps(maxSeconds: number): number[] {
  const max = Math.max(0, Math.min(MAX_LIFETIME_SECONDS, Math.floor(maxSeconds)));
  const out: number[] = [];
  for (let t = 1; t < max; t *= 2) out.push(t);
  if (max > 0) out.push(max);
  return out;
}

// ---------------------------------------------------------------- the check

export interface NatProbeOptions {
  /** Bound for test I; the rest has `budgetMs`. */
  timeoutMs: number;
  budgetMs?: number;
  clock?: Clock;
  resolver?: Resolver;
  /** Which address family to probe when the host has both (default: IPv4 first, as the other probes). */
  family?: 4 | 6;
  openSocket?: OpenNatSocket;
  lifetimeMaxSeconds?: number;
  hairpin?: boolean;
  attempts?: number;
  minRtoMs?: number;
  signal?: AbortSignal;
  software?: string;
}

export function natCheckId(uri: IceUri): string {
  return checkId.nat(uri.canonical);
}

/** Verdict → Check (kind nat). Pure. */
export function natCheck(uri: IceUri, v: NatVerdict, durationMs: number, extra: Record<string, unknown> = {}): Check {
  const parts = v.mapping === 'unknown' ? [] : [`mapping ${v.mapping}`, `filtering ${v.filtering}`];
  const message =
    v.code === ProtocolCode.NAT_UNSUPPORTED_SERVER
      ? `the server does not support RFC 5780 NAT behaviour discovery${v.notes[0] ? ` (${v.notes[0]})` : ''}`
      : v.mapping === 'unknown'
        ? `NAT behaviour not determined: ${v.notes.join('; ') || v.code}`
        : `${v.classicLabel}: ${parts.join(', ')}${v.hairpinning === null ? '' : `, hairpinning ${v.hairpinning ? 'yes' : 'no'}`}`;
  return makeCheck({
    id: natCheckId(uri),
    kind: 'nat',
    target: uri.canonical,
    transport: 'udp',
    code: v.code,
    message,
    durationMs,
    details: {
      mapping: v.mapping,
      filtering: v.filtering,
      ...(v.hairpinning !== null ? { hairpinning: v.hairpinning } : {}),
      classicLabel: v.classicLabel,
      natPresent: v.natPresent,
      meaning: v.meaning,
      notes: v.notes,
      evidence: v.evidence,
      ...extra,
    },
  });
}

/** RFC 5780 discovery against a stun:/turn: URL over UDP → one `nat:<url>` check. Never throws for network outcomes. */
export async function runNatProbe(uri: IceUri, opts: NatProbeOptions): Promise<Check> {
  const clock = opts.clock ?? systemClock;
  const start = clock.now();
  const base = { id: natCheckId(uri), kind: 'nat' as const, target: uri.canonical, transport: 'udp' as const };
  if (uri.transport !== 'udp') {
    return makeCheck({ ...base, code: ProtocolCode.NAT_UNSUPPORTED_SERVER, message: 'RFC 5780 discovery needs STUN over UDP', durationMs: 0, details: { mapping: 'unknown', filtering: 'unknown', classicLabel: 'unknown', transport: uri.transport } });
  }
  const r = await resolveHost(uri.host, opts.resolver ?? systemResolver, opts.timeoutMs, () => clock.now());
  const address = opts.family === 6 ? (r.v6[0] ?? null) : opts.family === 4 ? (r.v4[0] ?? null) : r.address;
  if (address === null) {
    return makeCheck({ ...base, code: ProtocolCode.SKIPPED_DNS, message: `${uri.host} has no ${opts.family ? `IPv${opts.family} ` : ''}address`, durationMs: clock.now() - start, details: { dnsCheck: checkId.dns(uri.host) } });
  }
  const family = isIP(address) === 6 ? 6 : 4;
  const open = opts.openSocket ?? openNatSocket;
  let sock: NatSocket;
  try {
    sock = await open(family);
  } catch (e) {
    return makeCheck({ ...base, code: ProtocolCode.SOCKET_ERROR, message: `could not open a UDP socket: ${(e as Error).message}`, durationMs: clock.now() - start, details: {} });
  }
  try {
    const server: TransportAddress = { family, address, port: uri.port };
    const d = await discoverNat(sock, server, {
      clock,
      timeoutMs: opts.timeoutMs,
      openSocket: open,
      ...(opts.budgetMs !== undefined ? { budgetMs: opts.budgetMs } : {}),
      ...(opts.lifetimeMaxSeconds !== undefined ? { lifetimeMaxSeconds: opts.lifetimeMaxSeconds } : {}),
      ...(opts.hairpin !== undefined ? { hairpin: opts.hairpin } : {}),
      ...(opts.attempts !== undefined ? { attempts: opts.attempts } : {}),
      ...(opts.minRtoMs !== undefined ? { minRtoMs: opts.minRtoMs } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.software ? { software: opts.software } : {}),
    });
    const v = judgeNat(d.observations);
    return natCheck(uri, v, clock.now() - start, {
      address: formatTransportAddress(server),
      family,
      rtoMs: Math.round(d.rtoMs * 100) / 100,
      ...(d.lifetime ? { lifetime: d.lifetime } : {}),
    });
  } finally {
    sock.close();
  }
}
