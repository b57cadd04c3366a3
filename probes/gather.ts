/**
 * In-browser candidate gathering for ONE ICE server URL: its own RTCPeerConnection, so every
 * candidate and every icecandidateerror is attributed to that URL. Bounded by spec.timeoutMs.
 */
import type { GatherResult, GatherSpec, PageCandidate, PageCandidateError } from './types.js';

type RelayProto = PageCandidate['relayProtocol'];

function asRelayProtocol(v: unknown): RelayProto {
  return v === 'udp' || v === 'tcp' || v === 'tls' ? v : null;
}

export async function gather(spec: GatherSpec): Promise<GatherResult> {
  const t0 = performance.now();
  const since = () => Math.round((performance.now() - t0) * 10) / 10;
  const candidates: PageCandidate[] = [];
  const errors: PageCandidateError[] = [];
  const firstMs: GatherResult['firstMs'] = {};
  const server: RTCIceServer = { urls: spec.url };
  if (spec.username !== undefined) server.username = spec.username;
  if (spec.credential !== undefined) server.credential = spec.credential;

  let pc: RTCPeerConnection;
  try {
    pc = new RTCPeerConnection({ iceServers: spec.iceServers ?? [server], iceCandidatePoolSize: 0 });
  } catch (e) {
    return { url: spec.url, candidates, errors, ended: 'complete', durationMs: since(), firstMs, userAgent: navigator.userAgent, setupError: String((e as Error).message ?? e) };
  }

  let ended: GatherResult['ended'] = 'timeout';
  const done = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, spec.timeoutMs);
    pc.addEventListener('icecandidate', (ev) => {
      const c = ev.candidate;
      if (!c) {
        ended = 'complete';
        clearTimeout(timer);
        resolve();
        return;
      }
      if (!c.candidate) return; // end-of-candidates marker for a generation
      const type = (c.type ?? 'host') as PageCandidate['type'];
      const at = since();
      if (firstMs[type] === undefined) firstMs[type] = at;
      const rp = (c as RTCIceCandidate & { relayProtocol?: unknown }).relayProtocol;
      candidates.push({
        type,
        protocol: c.protocol === 'tcp' ? 'tcp' : 'udp',
        relayProtocol: asRelayProtocol(rp),
        address: c.address ?? null,
        port: c.port ?? null,
        relatedAddress: c.relatedAddress ?? null,
        relatedPort: c.relatedPort ?? null,
        priority: c.priority ?? null,
        foundation: c.foundation ?? null,
        elapsedMs: at,
        url: (c as RTCIceCandidate & { url?: string }).url ?? null,
      });
    });
    pc.addEventListener('icecandidateerror', (ev) => {
      const e = ev as RTCPeerConnectionIceErrorEvent;
      errors.push({
        errorCode: e.errorCode,
        errorText: e.errorText,
        url: e.url || null,
        address: e.address ?? null,
        port: e.port ?? null,
        elapsedMs: since(),
      });
    });
  });

  try {
    pc.createDataChannel('iceprobe');
    await pc.setLocalDescription(await pc.createOffer());
    await done;
    // The candidate object lacks relayProtocol for TURN/UDP (and url in some versions):
    // getStats' local-candidate always has them.
    const stats = await pc.getStats();
    stats.forEach((s: Record<string, unknown>) => {
      if (s.type !== 'local-candidate') return;
      const match = candidates.find((c) => c.address === (s.address ?? s.ip) && c.port === s.port && c.type === s.candidateType);
      if (!match) return;
      match.relayProtocol ??= asRelayProtocol(s.relayProtocol);
      match.url ??= typeof s.url === 'string' ? s.url : null;
    });
  } catch (e) {
    return { url: spec.url, candidates, errors, ended, durationMs: since(), firstMs, userAgent: navigator.userAgent, setupError: String((e as Error).message ?? e) };
  } finally {
    pc.close();
  }
  return { url: spec.url, candidates, errors, ended, durationMs: since(), firstMs, userAgent: navigator.userAgent, setupError: null };
}
