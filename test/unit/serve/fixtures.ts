/** Shared fixtures for the serve unit tests: servers, page observations. */
import type { ServerSpec } from '../../../src/config/config.js';
import { parseIceUri } from '../../../src/core/uri.js';
import type { CallResult, GatherResult } from '../../../probes/types.js';

export function spec(url: string, credential: string | null = 'static-pass-1'): ServerSpec {
  const r = parseIceUri(url);
  if (!r.ok) throw new Error(r.problem);
  const turn = r.uri.isTurn;
  return { url, uri: r.uri, username: turn ? 'alice' : null, credential: turn ? credential : null, credentialSource: turn ? 'given' : 'none', origin: 'test' };
}

export const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';

export function gatherResult(url: string, types: ('host' | 'srflx' | 'relay')[], relayProtocol: 'udp' | 'tcp' | 'tls' | null = null): GatherResult {
  return {
    url,
    candidates: types.map((type, i) => ({
      type,
      protocol: 'udp',
      relayProtocol: type === 'relay' ? relayProtocol : null,
      address: type === 'host' ? '198.18.0.2' : '198.18.1.1',
      port: 50_000 + i,
      relatedAddress: type === 'host' ? null : '198.18.0.2',
      relatedPort: type === 'host' ? null : 50_000,
      priority: 100 - i,
      foundation: String(i),
      elapsedMs: 10 + i,
      url: type === 'host' ? null : url,
    })),
    errors: [],
    ended: 'complete',
    durationMs: 120,
    firstMs: Object.fromEntries(types.map((t, i) => [t, 10 + i])),
    userAgent: UA,
    setupError: null,
  };
}

const relayCand = (t: 'udp' | 'tcp' | 'tls') => ({ type: 'relay' as const, protocol: 'udp', relayProtocol: t, address: '198.18.1.1', port: 40_000, url: null });

export function callSide(p: Partial<CallResult> & { transport?: 'udp' | 'tcp' | 'tls' } = {}): CallResult {
  const { transport = 'udp', ...rest } = p;
  return {
    role: 'caller',
    ok: true,
    failedPhase: null,
    error: null,
    phases: [{ name: 'signaling-connected', atMs: 5 }, { name: 'offer-created', atMs: 8 }, { name: 'datachannel-open', atMs: 150 }],
    iceStates: [{ state: 'connected', atMs: 140 }],
    localCandidates: [{ type: 'relay', relayProtocol: transport }],
    remoteCandidates: [{ type: 'relay' }],
    selectedPair: { local: relayCand(transport), remote: relayCand(transport) },
    selectedPairChanges: 0,
    samples: [{ atMs: 250, bitsPerSecond: 8e7, rttMs: 2 }],
    bytes: 30_000_000,
    appBytes: 29_000_000,
    dataMs: 2000,
    rtts: [2, 1, 4],
    media: null,
    ...rest,
  };
}

export function failedSide(phase: string, role: CallResult['role'] = 'caller'): CallResult {
  return callSide({ role, ok: false, failedPhase: phase, error: 'ICE failed: no candidate pair worked', selectedPair: null, phases: [{ name: 'signaling-connected', atMs: 5 }], samples: [], bytes: 0, appBytes: 0, dataMs: 0, rtts: [] });
}
