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
    rx.onmessage = (e) => (bytes += (e.data as ArrayBuffer).byteLength ?? 0);
    rx.binaryType = 'arraybuffer';
    const chunk = new Uint8Array(16 * 1024);
    ch.bufferedAmountLowThreshold = 256 * 1024;
    const t0 = performance.now();
    const warmupMs = spec.warmupMs ?? 1_000;
    let warm: { bytes: number; at: number } | null = null;
    const mark = setTimeout(() => (warm = { bytes, at: performance.now() }), warmupMs);
    while (performance.now() - t0 < spec.durationMs) {
      while (ch.bufferedAmount < 1024 * 1024) ch.send(chunk);
      await new Promise<void>((r) => {
        ch.onbufferedamountlow = () => r();
        setTimeout(r, 50);
      });
    }
    const end = performance.now();
    clearTimeout(mark);
    const ms = end - t0;
    const w = warm as { bytes: number; at: number } | null;
    const steady = w && end > w.at ? Math.round(((bytes - w.bytes) * 8) / ((end - w.at) / 1000)) : 0;
    return { ok: true, error: null, bytesReceived: bytes, ms, bitsPerSecond: Math.round((bytes * 8) / (ms / 1000)), steadyBitsPerSecond: steady };
  } catch (e) {
    return { ok: false, error: String((e as Error).message ?? e), bytesReceived: 0, ms: 0, bitsPerSecond: 0, steadyBitsPerSecond: 0 };
  } finally {
    a.close();
    b.close();
  }
}
