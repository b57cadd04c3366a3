/**
 * The benchmark's reference: the most minimal two-peer data-channel transfer, both peers in one
 * page with in-page signaling, no relay server, no timeline, no sampling. What it measures over
 * a path is the ceiling iceprobe's own call measurement is compared against (npm run bench).
 */
export interface CeilingSpec {
  iceServers: RTCIceServer[];
  policy: 'relay' | 'all';
  durationMs: number;
  /** The steady figure leaves out this much of the start (default 1000 ms, iceprobe's SLOW_START_MS). */
  warmupMs?: number;
}

export interface CeilingResult {
  ok: boolean;
  error: string | null;
  bytesReceived: number;
  ms: number;
  /** Bytes received over the whole transfer, slow start included. */
  bitsPerSecond: number;
  /** Bytes received after the warm-up over that time (0 when the transfer was not longer than it). */
  steadyBitsPerSecond: number;
  /**
   * What the receiving peer's transport received over the same steady window (getStats, DTLS and
   * SCTP framing and every retransmitted copy included): against steadyBitsPerSecond, whether the
   * link carried this transfer or duplicates of it (a meltdown, core/throughput.ts). null when
   * the browser's stats had no counter.
   */
  steadyLinkBitsPerSecond: number | null;
  /** The longest time after the warm-up in which the application got nothing (a stall when it is long). */
  longestGapMs: number;
}

/** A byte count and when it was read. */
type Counted = { bytes: number; at: number };

/**
 * The receiving transport's byte counter (Chromium: the transport; Firefox: the selected pair)
 * and the stats' own timestamp (getStats resolves some milliseconds after it is asked), or null.
 */
async function transportBytesReceived(pc: RTCPeerConnection): Promise<Counted | null> {
  const report = await pc.getStats();
  let transport: Record<string, unknown> | undefined;
  const byId = new Map<string, Record<string, unknown>>();
  report.forEach((s: Record<string, unknown>) => {
    byId.set(s.id as string, s);
    if (s.type === 'transport' && s.selectedCandidatePairId) transport = s;
  });
  const pair = transport ? byId.get(transport.selectedCandidatePairId as string) : undefined;
  const counted = typeof transport?.bytesReceived === 'number' ? transport : pair;
  return typeof counted?.bytesReceived === 'number' && typeof counted.timestamp === 'number' ? { bytes: counted.bytesReceived, at: counted.timestamp } : null;
}

export async function ceiling(spec: CeilingSpec): Promise<CeilingResult> {
  const a = new RTCPeerConnection({ iceServers: spec.iceServers, iceTransportPolicy: spec.policy });
  const b = new RTCPeerConnection({ iceServers: spec.iceServers, iceTransportPolicy: spec.policy });
  a.onicecandidate = (e) => void (e.candidate && b.addIceCandidate(e.candidate));
  b.onicecandidate = (e) => void (e.candidate && a.addIceCandidate(e.candidate));
  try {
    const ch = a.createDataChannel('ceiling');
    const incoming = new Promise<RTCDataChannel>((r) => (b.ondatachannel = (e) => r(e.channel)));
    await a.setLocalDescription();
    await b.setRemoteDescription(a.localDescription as RTCSessionDescriptionInit);
    await b.setLocalDescription();
    await a.setRemoteDescription(b.localDescription as RTCSessionDescriptionInit);
    await Promise.race([
      new Promise<void>((r) => (ch.onopen = () => r())),
      new Promise<void>((_, rej) => setTimeout(() => rej(new Error('not connected within 10 s')), 10_000)),
    ]);
    const rx = await incoming;
    let bytes = 0;
    // The application's count at the end of the warm-up, and the transport's read then.
    let warm: (Counted & { link: Promise<Counted | null> }) | null = null;
    let lastAt = 0;
    let longestGapMs = 0;
    rx.onmessage = (e) => {
      bytes += (e.data as ArrayBuffer).byteLength ?? 0;
      const now = performance.now();
      if (warm) longestGapMs = Math.max(longestGapMs, now - Math.max(lastAt, warm.at));
      lastAt = now;
    };
    rx.binaryType = 'arraybuffer';
    const chunk = new Uint8Array(16 * 1024);
    ch.bufferedAmountLowThreshold = 256 * 1024;
    const t0 = performance.now();
    const warmupMs = spec.warmupMs ?? 1_000;
    const mark = setTimeout(() => (warm = { bytes, at: performance.now(), link: transportBytesReceived(b) }), warmupMs);
    while (performance.now() - t0 < spec.durationMs) {
      while (ch.bufferedAmount < 1024 * 1024) ch.send(chunk);
      await new Promise<void>((r) => {
        ch.onbufferedamountlow = () => r();
        setTimeout(r, 50);
      });
    }
    const end = performance.now();
    const endBytes = bytes;
    const endLink = transportBytesReceived(b);
    clearTimeout(mark);
    const ms = end - t0;
    const w = warm as (Counted & { link: Promise<Counted | null> }) | null;
    const steady = w && end > w.at ? Math.round(((endBytes - w.bytes) * 8) / ((end - w.at) / 1000)) : 0;
    const [l0, l1] = w ? await Promise.all([w.link, endLink]) : [null, null];
    // Over the stats' own timestamps: the counter's window is not quite the application's.
    const link = l0 && l1 && l1.at > l0.at ? Math.round(((l1.bytes - l0.bytes) * 8) / ((l1.at - l0.at) / 1000)) : null;
    if (w) longestGapMs = Math.max(longestGapMs, end - Math.max(lastAt, w.at));
    return { ok: true, error: null, bytesReceived: endBytes, ms, bitsPerSecond: Math.round((endBytes * 8) / (ms / 1000)), steadyBitsPerSecond: steady, steadyLinkBitsPerSecond: link, longestGapMs: Math.round(longestGapMs) };
  } catch (e) {
    return { ok: false, error: String((e as Error).message ?? e), bytesReceived: 0, ms: 0, bitsPerSecond: 0, steadyBitsPerSecond: 0, steadyLinkBitsPerSecond: null, longestGapMs: 0 };
  } finally {
    a.close();
    b.close();
  }
}
