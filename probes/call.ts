/**
 * In-browser loopback call: one side of a two-peer call through the probe signaling relay.
 * The caller offers, opens a data channel and pushes data with bufferedAmount flow control;
 * both sides record the setup timeline. Every wait is bounded; failure says at which phase.
 */
import type { CallCandidate, CallResult, CallSample, CallSpec, ReceiveCount } from './types.js';

const HIGH_WATER = 65536;
const LOW_WATER = 16384;
const RTT_WAIT_MS = 1_000;
const RTT_POLL_MS = 50;

type Msg = { type: string; [k: string]: unknown };

class Phase extends Error {
  constructor(readonly phase: string, message: string) {
    super(message);
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, phase: string, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Phase(phase, `${what} did not happen within ${Math.round(ms)} ms`)), Math.max(0, ms));
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e instanceof Phase ? e : new Phase(phase, String((e as Error)?.message ?? e)));
      },
    );
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A tiny client of the relay protocol (src/servers/relay/protocol.ts). */
class Signal {
  private waiters: { type: string; resolve: (m: Msg) => void }[] = [];
  private queue: Msg[] = [];
  onMessage: ((m: Msg) => void) | null = null;
  constructor(private readonly ws: WebSocket) {
    ws.addEventListener('message', (ev) => {
      let m: Msg;
      try {
        m = JSON.parse(String(ev.data)) as Msg;
      } catch {
        return;
      }
      const i = this.waiters.findIndex((w) => w.type === m.type);
      if (i >= 0) {
        const [w] = this.waiters.splice(i, 1);
        w?.resolve(m);
      } else if (this.onMessage) this.onMessage(m);
      else this.queue.push(m);
    });
  }
  static open(url: string): Promise<Signal> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.addEventListener('open', () => resolve(new Signal(ws)), { once: true });
      ws.addEventListener('error', () => reject(new Error(`cannot connect to the signaling relay at ${url}`)), { once: true });
    });
  }
  send(m: Msg): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(m));
  }
  next(type: string): Promise<Msg> {
    const i = this.queue.findIndex((m) => m.type === type);
    if (i >= 0) return Promise.resolve(this.queue.splice(i, 1)[0] as Msg);
    return new Promise((resolve) => this.waiters.push({ type, resolve }));
  }
  listen(fn: (m: Msg) => void): void {
    this.onMessage = fn;
    for (const m of this.queue.splice(0)) fn(m);
  }
  close(): void {
    this.ws.close();
  }
}

function asRelayProtocol(v: unknown): CallCandidate['relayProtocol'] {
  return v === 'udp' || v === 'tcp' || v === 'tls' ? v : null;
}

function candidateOf(s: Record<string, unknown> | undefined): CallCandidate {
  return {
    type: (s?.candidateType as CallCandidate['type']) ?? null,
    protocol: (s?.protocol as string) ?? null,
    relayProtocol: asRelayProtocol(s?.relayProtocol),
    address: ((s?.address ?? s?.ip) as string) ?? null,
    port: (s?.port as number) ?? null,
    url: (s?.url as string) ?? null,
  };
}

interface PairStats {
  transportBytesSent: number;
  transportBytesReceived: number;
  transportPacketsReceived: number;
  transportPacketsSent: number;
  /** The stats' own timestamp (ms since the time origin's epoch). */
  timestamp: number;
  rttMs: number | null;
  selectedPair: CallResult['selectedPair'];
  pairChanges: number | null;
  anyChecked: boolean;
  media: Record<string, unknown> | null;
}

async function readStats(pc: RTCPeerConnection): Promise<PairStats> {
  const report = await pc.getStats();
  const byId = new Map<string, Record<string, unknown>>();
  report.forEach((s: Record<string, unknown>) => byId.set(s.id as string, s));
  let transport: Record<string, unknown> | undefined;
  let anyChecked = false;
  const media: Record<string, unknown> = {};
  for (const s of byId.values()) {
    if (s.type === 'transport' && s.selectedCandidatePairId) transport = s;
    // Chromium counts requestsSent; Firefox 153 has no such field, only the pair's state.
    if (s.type === 'candidate-pair' && (Number(s.requestsSent ?? 0) > 0 || s.state === 'in-progress' || s.state === 'succeeded')) anyChecked = true;
    if (s.type === 'outbound-rtp' && s.kind === 'video') {
      media.videoBytesSent = s.bytesSent;
      media.framesPerSecond = s.framesPerSecond ?? null;
      media.qualityLimitationReason = s.qualityLimitationReason ?? null;
      media.frameWidth = s.frameWidth ?? null;
      media.frameHeight = s.frameHeight ?? null;
    }
    if (s.type === 'outbound-rtp' && s.kind === 'audio') media.audioBytesSent = s.bytesSent;
    if (s.type === 'remote-inbound-rtp') {
      const k = s.kind === 'audio' ? 'audio' : 'video';
      media[`${k}PacketsLost`] = s.packetsLost ?? null;
      media[`${k}JitterMs`] = typeof s.jitter === 'number' ? s.jitter * 1000 : null;
      media[`${k}FractionLost`] = s.fractionLost ?? null;
    }
  }
  const pair = transport ? byId.get(transport.selectedCandidatePairId as string) : undefined;
  const rtt = typeof pair?.currentRoundTripTime === 'number' ? (pair.currentRoundTripTime as number) * 1000 : null;
  // Chromium counts bytes and packets on the transport (the pair can change mid-transfer, NOTES).
  // Firefox 153's transport entry has no counters at all: its selected pair's bytes are all there
  // is (no packet counts, so packet rates read 0 there).
  const counted = transport && typeof transport.bytesSent === 'number' ? transport : pair;
  return {
    transportBytesSent: Number(counted?.bytesSent ?? 0),
    transportBytesReceived: Number(counted?.bytesReceived ?? 0),
    transportPacketsReceived: Number(counted?.packetsReceived ?? 0),
    transportPacketsSent: Number(counted?.packetsSent ?? 0),
    timestamp: typeof transport?.timestamp === 'number' ? transport.timestamp : performance.timeOrigin + performance.now(),
    rttMs: rtt,
    selectedPair: pair
      ? { local: candidateOf(byId.get(pair.localCandidateId as string)), remote: candidateOf(byId.get(pair.remoteCandidateId as string)) }
      : null,
    pairChanges: typeof transport?.selectedCandidatePairChanges === 'number' ? (transport.selectedCandidatePairChanges as number) : null,
    anyChecked,
    media: Object.keys(media).length > 0 ? media : null,
  };
}

/** One side of a call between setup and teardown, kept in the page while other calls run. */
interface Session {
  spec: CallSpec;
  r: CallResult;
  t0: number;
  pc: RTCPeerConnection;
  signal: Signal;
  stream: MediaStream | null;
  channel: RTCDataChannel;
  /** Callee: counts the caller's bytes from the moment the channel exists. */
  incoming: Incoming | null;
  /** Callee: its transport counters during the data phase. */
  counter: ReceiveCount[];
  receiving: Promise<void> | null;
  /** Caller: set by callStop; wakes the sending loop. */
  stop: boolean;
  wake: (() => void) | null;
}

const sessions = new Map<string, Session>();
const keyOf = (spec: Pick<CallSpec, 'room' | 'role'>) => `${spec.room}:${spec.role}`;

function emptyResult(role: CallSpec['role']): CallResult {
  return {
    role,
    ok: false,
    failedPhase: null,
    error: null,
    phases: [],
    iceStates: [],
    localCandidates: [],
    remoteCandidates: [],
    selectedPair: null,
    selectedPairChanges: null,
    samples: [],
    bytes: 0,
    appBytes: 0,
    dataMs: 0,
    rtts: [],
    media: null,
  };
}

export interface OpenResult {
  /** The session to pass to the data-phase functions. */
  key: string;
  /** Signaling → data channel open succeeded; the connection now waits, idle, for its data phase. */
  open: boolean;
  /** The setup so far; when !open, the final result (resources already released). */
  result: CallResult;
}

/**
 * Setup only: signaling, ICE, DTLS, the data channel. On success the connection stays open and
 * idle (no data, no sampling) until callSend/callReceive, so several calls can be set up at once
 * and their data phases run one after another.
 */
export async function callOpen(spec: CallSpec): Promise<OpenResult> {
  const t0 = performance.now();
  const since = () => Math.round((performance.now() - t0) * 10) / 10;
  const deadline = t0 + spec.setupTimeoutMs;
  const left = () => deadline - performance.now();
  const r = emptyResult(spec.role);
  const key = keyOf(spec);
  const mark = (name: string) => {
    if (!r.phases.some((p) => p.name === name)) r.phases.push({ name, atMs: since() });
  };
  let signal: Signal | null = null;
  let pc: RTCPeerConnection | null = null;
  let stream: MediaStream | null = null;
  let watching = true;
  try {
    signal = await withTimeout(Signal.open(spec.relayUrl), left(), 'signaling', 'connecting to the signaling relay');
    const s = signal;
    s.send({ type: 'join', room: spec.room, ...(spec.token ? { token: spec.token } : {}) });
    const joined = await withTimeout(Promise.race([s.next('joined'), s.next('error').then((e) => Promise.reject(new Error(`relay refused join: ${String(e.code)}`)))]), left(), 'signaling', 'joining the room');
    mark('signaling-connected');
    if (spec.role === 'caller' && Number(joined.peers) < 2) await withTimeout(s.next('peer-joined'), left(), 'peer', 'the other peer joining');

    const p = new RTCPeerConnection({ iceServers: spec.iceServers, iceTransportPolicy: spec.policy });
    pc = p;
    p.addEventListener('iceconnectionstatechange', () => {
      r.iceStates.push({ state: p.iceConnectionState, atMs: since() });
      if (p.iceConnectionState === 'connected' || p.iceConnectionState === 'completed') mark('ice-connected');
    });
    const dtls = new Promise<void>((resolve, reject) => {
      p.addEventListener('connectionstatechange', () => {
        if (p.connectionState === 'connected') {
          mark('dtls-connected');
          resolve();
        } else if (p.connectionState === 'failed') reject(new Phase('ice', 'ICE failed: no candidate pair worked'));
      });
    });
    p.addEventListener('icecandidate', (ev) => {
      if (ev.candidate && ev.candidate.candidate) {
        const rp = (ev.candidate as RTCIceCandidate & { relayProtocol?: string }).relayProtocol ?? null;
        r.localCandidates.push({ type: ev.candidate.type ?? 'host', relayProtocol: rp });
      }
      s.send({ type: 'candidate', candidate: ev.candidate ? ev.candidate.toJSON() : null });
    });
    s.listen((m) => {
      if (m.type === 'candidate' && m.candidate) {
        const c = m.candidate as RTCIceCandidateInit;
        const type = /typ (\w+)/.exec(c.candidate ?? '')?.[1] ?? 'host';
        r.remoteCandidates.push({ type });
        p.addIceCandidate(c).catch(() => undefined);
      }
    });
    // Watch for the first connectivity check during setup.
    void (async () => {
      while (watching) {
        const st = await readStats(p).catch(() => null);
        if (st?.anyChecked) {
          mark('first-check');
          return;
        }
        await sleep(5);
      }
    })();

    let channel: RTCDataChannel;
    let incoming: Incoming | null = null;
    if (spec.media) {
      stream = await withTimeout(navigator.mediaDevices.getUserMedia({ video: true, audio: true }), left(), 'media', 'getting the fake camera');
      for (const t of stream.getTracks()) p.addTrack(t, stream);
    }
    if (spec.role === 'caller') {
      channel = p.createDataChannel('iceprobe');
      const offer = await p.createOffer();
      mark('offer-created');
      await p.setLocalDescription(offer);
      s.send({ type: 'offer', sdp: offer.sdp ?? '' });
      const answer = await withTimeout(s.next('answer'), left(), 'answer', 'the answer arriving');
      mark('answer-received');
      await p.setRemoteDescription({ type: 'answer', sdp: String(answer.sdp) });
    } else {
      const gotChannel = new Promise<RTCDataChannel>((resolve) => p.addEventListener('datachannel', (ev) => resolve(ev.channel), { once: true }));
      const offer = await withTimeout(s.next('offer'), left(), 'offer', 'the offer arriving');
      mark('offer-received');
      await p.setRemoteDescription({ type: 'offer', sdp: String(offer.sdp) });
      const answer = await p.createAnswer();
      await p.setLocalDescription(answer);
      s.send({ type: 'answer', sdp: answer.sdp ?? '' });
      mark('answer-sent');
      channel = await withTimeout(gotChannel, left(), 'datachannel', 'the data channel arriving');
      incoming = new Incoming(channel);
    }
    const opened =
      channel.readyState === 'open' ? Promise.resolve() : new Promise<void>((resolve) => channel.addEventListener('open', () => resolve(), { once: true }));
    await withTimeout(dtls, left(), r.phases.some((x) => x.name === 'ice-connected') ? 'dtls' : 'ice', 'the connection');
    await withTimeout(opened, left(), 'datachannel', 'the data channel opening');
    mark('datachannel-open');
    watching = false;
    // The pair ICE chose and its RTT now (a call that gets no data phase still reports them).
    const st = await readStats(p).catch(() => null);
    if (st) {
      r.selectedPair = st.selectedPair;
      r.selectedPairChanges = st.pairChanges;
      if (st.rttMs !== null) r.rtts.push(st.rttMs);
    }
    sessions.set(key, { spec, r, t0, pc: p, signal: s, stream, channel, incoming, counter: [], receiving: null, stop: false, wake: null });
    return { key, open: true, result: structuredClone(r) };
  } catch (e) {
    watching = false;
    r.failedPhase = e instanceof Phase ? e.phase : 'internal';
    r.error = String((e as Error)?.message ?? e);
    if (pc) {
      const st = await readStats(pc).catch(() => null);
      if (st) {
        r.selectedPair = st.selectedPair;
        r.selectedPairChanges = st.pairChanges;
      }
    }
    release(signal, pc, stream);
    return { key, open: false, result: r };
  }
}

function release(signal: Signal | null, pc: RTCPeerConnection | null, stream: MediaStream | null): void {
  signal?.send({ type: 'bye' });
  signal?.close();
  pc?.close();
  stream?.getTracks().forEach((t) => t.stop());
}

function take(key: string): Session {
  const s = sessions.get(key);
  if (!s) throw new Error(`no open call ${key}`);
  return s;
}

/** The end of a session: final stats (selected pair: it can change mid-transfer), then teardown. */
async function close(key: string, s: Session, error: unknown): Promise<CallResult> {
  sessions.delete(key);
  const { r } = s;
  try {
    if (error !== null) throw error;
    let fin = await readStats(s.pc);
    // A call closed right after setup (no data phase) may not have its pair's first RTT sample
    // yet on a busy machine: wait for it, briefly and within a bound.
    const until = performance.now() + RTT_WAIT_MS;
    while (r.rtts.length === 0 && fin.rttMs === null && performance.now() < until) {
      await sleep(RTT_POLL_MS);
      fin = await readStats(s.pc);
    }
    if (r.rtts.length === 0 && fin.rttMs !== null) r.rtts.push(fin.rttMs);
    r.selectedPair = fin.selectedPair;
    r.selectedPairChanges = fin.pairChanges;
    r.media = fin.media;
    r.ok = true;
  } catch (e) {
    r.failedPhase = e instanceof Phase ? e.phase : 'internal';
    r.error = String((e as Error)?.message ?? e);
    const st = await readStats(s.pc).catch(() => null);
    if (st) {
      r.selectedPair = st.selectedPair;
      r.selectedPairChanges = st.pairChanges;
    }
  } finally {
    release(s.signal, s.pc, s.stream);
  }
  return r;
}

/**
 * Caller: pushes data until `durationMs` has passed or callStop asks it to stop (the steady rate
 * has converged, decided in Node from the callee's counters), then hands over END and waits for
 * the callee's receipt; returns the caller's final result and closes its side.
 */
export async function callSend(key: string, o: { durationMs: number }): Promise<CallResult> {
  const s = take(key);
  let error: unknown = null;
  try {
    await pushData(s, o.durationMs);
  } catch (e) {
    error = e;
  }
  return close(key, s, error);
}

/** Caller: stop sending at the next wake-up (at most one sampling interval later, normally at once). */
export function callStop(key: string): boolean {
  const s = sessions.get(key);
  if (!s) return false;
  s.stop = true;
  s.wake?.();
  return true;
}

/**
 * Callee: starts reading its transport counters every sampleMs (stamped with the stats' own
 * timestamp, not when getStats resolved, which lags under load) until the caller's END. On a
 * saturated bottleneck this is the bottleneck's output, whatever the sender overshoots or
 * retransmits; calls.ts turns it into rates (pure, unit-tested). Returns at once.
 */
export function callReceive(key: string, o: { durationMs: number }): void {
  const s = take(key);
  const incoming = s.incoming;
  if (!incoming || s.receiving) return;
  const origin = performance.timeOrigin + s.t0;
  const done = incoming.arm(o.durationMs + 3_000);
  let finished = false;
  void done.then(() => (finished = true));
  s.receiving = (async () => {
    while (!finished) {
      const st = await readStats(s.pc).catch(() => null);
      // The application's count is read at the same instant, on the page's own clock: what the
      // data channel handed to the page so far (the delivered figure is made of these).
      const appAtMs = Math.round((performance.now() - s.t0) * 10) / 10;
      if (st) s.counter.push({ atMs: Math.round((st.timestamp - origin) * 10) / 10, bytes: st.transportBytesReceived, packets: st.transportPacketsReceived, sentBytes: st.transportBytesSent, sentPackets: st.transportPacketsSent, appBytes: incoming.received, appAtMs });
      await Promise.race([sleep(s.spec.sampleMs), done]);
    }
  })();
}

/** Callee: its counter readings so far (Node judges convergence from them). */
export function callCounter(key: string, from = 0): ReceiveCount[] {
  return sessions.get(key)?.counter.slice(from) ?? [];
}

/** Callee: waits (bounded by callReceive) for the caller's END, then returns its result and closes its side. */
export async function callFinish(key: string): Promise<CallResult> {
  const s = take(key);
  let error: unknown = null;
  try {
    if (!s.incoming || !s.receiving) throw new Error('callFinish before callReceive');
    await s.receiving;
    const got = s.incoming.result();
    s.r.appBytes = got.bytes;
    s.r.dataMs = got.ms;
    s.r.receiveCounter = s.counter;
  } catch (e) {
    error = e;
  }
  return close(key, s, error);
}

/** Ends an open call without a data phase: its final stats, then teardown (ok: it connected). */
export async function callClose(key: string): Promise<CallResult> {
  return close(key, take(key), null);
}

/** Releases a session that will not get its data phase (the run was aborted or the peer failed). */
export function callAbort(key: string): boolean {
  const s = sessions.get(key);
  if (!s) return false;
  sessions.delete(key);
  release(s.signal, s.pc, s.stream);
  return true;
}

/** Setup and data phase in one go: one side of one call (iceprobe serve's pages use this). */
export async function call(spec: CallSpec): Promise<CallResult> {
  const o = await callOpen(spec);
  if (!o.open) return o.result;
  if (spec.role === 'caller') return callSend(o.key, { durationMs: spec.durationMs });
  callReceive(o.key, { durationMs: spec.durationMs + spec.setupTimeoutMs });
  return callFinish(o.key);
}

async function pushData(s: Session, durationMs: number): Promise<void> {
  const { pc, channel: ch, spec, r } = s;
  const chunk = new Uint8Array(spec.messageBytes);
  ch.bufferedAmountLowThreshold = LOW_WATER;
  let lowResolve: (() => void) | null = null;
  ch.onbufferedamountlow = () => {
    lowResolve?.();
    lowResolve = null;
  };
  s.wake = () => {
    lowResolve?.();
    lowResolve = null;
  };
  const start = performance.now();
  const end = start + durationMs;
  const first = await readStats(pc);
  let lastBytes = first.transportBytesSent;
  let lastAt = start;
  let appBytes = 0;
  let nextSample = start + spec.sampleMs;
  while (performance.now() < end && ch.readyState === 'open' && !s.stop) {
    while (ch.bufferedAmount < HIGH_WATER && ch.readyState === 'open') {
      ch.send(chunk);
      appBytes += chunk.byteLength;
    }
    const waitLow = new Promise<void>((resolve) => (lowResolve = resolve));
    await Promise.race([waitLow, sleep(Math.max(1, Math.min(nextSample, end) - performance.now()))]);
    const now = performance.now();
    if (now >= nextSample) {
      const st = await readStats(pc);
      const bits = ((st.transportBytesSent - lastBytes) * 8) / ((now - lastAt) / 1000);
      const sample: CallSample = { atMs: Math.round(now - start), bitsPerSecond: Math.max(0, Math.round(bits)), rttMs: st.rttMs };
      r.samples.push(sample);
      if (st.rttMs !== null) r.rtts.push(st.rttMs);
      lastBytes = st.transportBytesSent;
      lastAt = now;
      nextSample += spec.sampleMs;
    }
  }
  s.wake = null;
  // Unsent backlog is not goodput: count only what left the buffer.
  appBytes -= ch.bufferedAmount;
  const done = performance.now();
  const last = await readStats(pc);
  r.bytes = last.transportBytesSent - first.transportBytesSent;
  r.appBytes = appBytes;
  r.dataMs = done - start;
  // Tell the callee we are done and wait (bounded) for its receipt, so closing the connection
  // never discards data still in flight and the callee's count is final.
  if (ch.readyState === 'open') {
    const ack = new Promise<void>((resolve) => {
      const onMsg = (ev: MessageEvent) => {
        if (typeof ev.data === 'string' && ev.data.startsWith('ACK')) {
          ch.removeEventListener('message', onMsg);
          resolve();
        }
      };
      ch.addEventListener('message', onMsg);
    });
    ch.send('END');
    await Promise.race([ack, sleep(3_000)]);
  }
}

/**
 * The callee's application-level count of the caller's bytes, from the moment the channel exists
 * until the caller's END marker or the channel closing; `arm` bounds the wait (from the start of
 * the data phase, not from setup: an open call may wait for others' data phases first).
 */
class Incoming {
  private bytes = 0;
  private firstAt = 0;
  private lastAt = 0;
  private resolveDone: () => void = () => undefined;
  private readonly done = new Promise<void>((r) => (this.resolveDone = r));
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly ch: RTCDataChannel) {
    ch.binaryType = 'arraybuffer';
    ch.addEventListener('message', (ev) => {
      if (typeof ev.data === 'string') {
        if (ev.data === 'END') {
          if (ch.readyState === 'open') ch.send(`ACK ${this.bytes}`);
          this.finish();
        }
        return;
      }
      const now = performance.now();
      if (this.firstAt === 0) this.firstAt = now;
      this.lastAt = now;
      this.bytes += (ev.data as ArrayBuffer).byteLength;
    });
    ch.addEventListener('close', () => this.finish(), { once: true });
  }

  private finish(): void {
    clearTimeout(this.timer);
    this.resolveDone();
  }

  /** Starts the bound; resolves at END, close, or after boundMs. */
  arm(boundMs: number): Promise<void> {
    this.timer ??= setTimeout(() => this.finish(), boundMs);
    return this.done;
  }

  /** Application bytes received so far. */
  get received(): number {
    return this.bytes;
  }

  result(): { bytes: number; ms: number } {
    return { bytes: this.bytes, ms: this.lastAt > this.firstAt ? this.lastAt - this.firstAt : 0 };
  }
}
