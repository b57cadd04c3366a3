import { describe, expect, it } from 'vitest';
import { judgeGather, judgeGatherAll, natEvidenceServers, browserAllowsTurnPort } from '../../src/browser/gather.js';
import type { ServerSpec } from '../../src/config/config.js';
import { parseIceUri } from '../../src/core/uri.js';
import type { GatherResult, PageCandidate } from '../../probes/types.js';

function spec(url: string): ServerSpec {
  const r = parseIceUri(url);
  if (!r.ok) throw new Error(r.problem);
  return { url, uri: r.uri, username: r.uri.isTurn ? 'u' : null, credential: r.uri.isTurn ? 'pw' : null, credentialSource: r.uri.isTurn ? 'given' : 'none', origin: 'test' };
}

function cand(type: PageCandidate['type'], relayProtocol: PageCandidate['relayProtocol'] = null): PageCandidate {
  return { type, protocol: 'udp', relayProtocol, address: '198.18.0.1', port: 5000, relatedAddress: null, relatedPort: null, priority: 1, foundation: '1', elapsedMs: 10, url: null };
}

function result(p: Partial<GatherResult>): GatherResult {
  return { url: 'x', candidates: [], errors: [], ended: 'complete', durationMs: 100, firstMs: {}, userAgent: 'ua', setupError: null, ...p };
}

const err = (errorCode: number, errorText = 'x') => ({ errorCode, errorText, url: null, address: null, port: null, elapsedMs: 5 });

describe('judgeGather', () => {
  it.each([
    ['stun:s.test', result({ candidates: [cand('host'), cand('srflx')] }), 'pass', 'OK'],
    // Completed without error: answered with a mapping equal to a host candidate (Chromium drops the duplicate).
    ['stun:s.test', result({ candidates: [cand('host')] }), 'pass', 'OK'],
    ['stun:s.test', result({ candidates: [] }), 'fail', 'NO_SRFLX_CANDIDATE'],
    ['stun:s.test', result({ candidates: [cand('host')], ended: 'timeout' }), 'fail', 'GATHER_TIMEOUT'],
    ['turn:t.test', result({ candidates: [cand('host'), cand('relay', 'udp')] }), 'pass', 'OK'],
    ['turn:t.test?transport=tcp', result({ candidates: [cand('relay', 'udp')] }), 'fail', 'NO_RELAY_CANDIDATE'],
    ['turn:t.test?transport=tcp', result({ candidates: [cand('relay', 'tcp')] }), 'pass', 'OK'],
    ['turn:t.test', result({ candidates: [cand('srflx')], errors: [err(401, 'Unauthorized.')] }), 'fail', 'TURN_AUTH_FAILED'],
    ['turn:t.test', result({ errors: [err(701), err(403)] }), 'fail', 'TURN_FORBIDDEN'],
    ['turn:t.test', result({ errors: [err(486)] }), 'fail', 'TURN_QUOTA'],
    ['turn:t.test', result({ errors: [err(508)] }), 'fail', 'TURN_CAPACITY'],
    ['turn:t.test', result({ errors: [err(437)] }), 'fail', 'TURN_ERROR'],
    ['turn:t.test', result({ errors: [err(701)] }), 'fail', 'SERVER_UNREACHABLE'],
    ['turns:t.test:443', result({ errors: [err(701)] }), 'fail', 'TLS_CERT_REJECTED'],
    // Chromium's own resolver failed: not the server, and not its certificate.
    ['stun:s.test', result({ errors: [err(701, 'STUN host lookup received error.')] }), 'fail', 'BROWSER_DNS_FAILED'],
    ['turns:t.test:443', result({ errors: [err(701, 'TURN host lookup received error.')] }), 'fail', 'BROWSER_DNS_FAILED'],
    ['turn:t.test', result({ ended: 'timeout' }), 'fail', 'GATHER_TIMEOUT'],
    ['turn:t.test', result({}), 'fail', 'NO_RELAY_CANDIDATE'],
    ['turn:t.test', result({ setupError: 'bad url' }), 'fail', 'INTERNAL_ERROR'],
  ] as const)('%s → %s %s', (url, r, status, code) => {
    const v = judgeGather(spec(url), r, 5000);
    expect(v.check).toMatchObject({ kind: 'gather', status, code, id: `gather:${spec(url).uri.canonical}` });
  });

  it('keeps every candidate, attributed to the URL, relayProtocol only on relay', () => {
    const v = judgeGather(spec('turn:t.test'), result({ candidates: [cand('host', 'udp'), cand('relay', 'udp')] }), 5000);
    expect(v.candidates.map((c) => [c.type, c.relayProtocol, c.url])).toEqual([
      ['host', null, 'turn:t.test:3478?transport=udp'],
      ['relay', 'udp', 'turn:t.test:3478?transport=udp'],
    ]);
    expect(v.check.details).toMatchObject({ candidates: { host: 1, relay: 1 } });
  });

  it('each candidate names its address family; the IPv6 ones are counted apart', () => {
    const v = judgeGather(
      spec('stun:s.test'),
      result({
        candidates: [
          cand('host'),
          { ...cand('host'), address: '[2001:db8::5]' },
          { ...cand('host'), address: '0f1e2d3c-aaaa-bbbb-cccc-000000000000.local' },
          { ...cand('srflx'), address: '2001:db8::5' },
          { ...cand('srflx'), address: '198.18.0.9' },
        ],
      }),
      5000,
    );
    expect(v.candidates.map((c) => [c.type, c.address, c.family])).toEqual([
      ['host', '198.18.0.1', 'ipv4'],
      ['host', '2001:db8::5', 'ipv6'],
      ['host', '0f1e2d3c-aaaa-bbbb-cccc-000000000000.local', null],
      ['srflx', '2001:db8::5', 'ipv6'],
      ['srflx', '198.18.0.9', 'ipv4'],
    ]);
    expect(v.check.details).toMatchObject({ candidates: { host: 3, srflx: 2 }, candidatesIpv6: { host: 1, srflx: 1, relay: 0 } });
  });

  it('a page failure is an internal-error check, not a crash', () => {
    expect(judgeGather(spec('stun:s.test'), { error: 'boom', durationMs: 3 }, 5000).check.code).toBe('INTERNAL_ERROR');
  });
});

describe('browserAllowsTurnPort (Chromium policy)', () => {
  it.each([
    [53, true], [80, true], [443, true], [1024, true], [3478, true], [65535, true],
    [22, false], [25, false], [1023, false], [8, false],
  ])('%i → %s', (port, ok) => expect(browserAllowsTurnPort(port)).toBe(ok));
});

describe('judgeGatherAll (NAT mapping from one RTCPeerConnection)', () => {
  const servers = [spec('stun:198.18.0.1'), spec('stun:198.18.0.2')];
  const srflx = (url: string, port: number, base = 40000): PageCandidate => ({
    ...cand('srflx'), url, address: '198.18.0.254', port, relatedAddress: '198.19.1.2', relatedPort: base,
  });
  it('different public ports for one base and two servers → address-dependent mapping', () => {
    const v = judgeGatherAll(servers, result({ candidates: [srflx('stun:198.18.0.1:3478', 1111), srflx('stun:198.18.0.2:3478', 2222)] }));
    expect(v.check).toMatchObject({ id: 'gather:all', status: 'warn', code: 'ADDRESS_DEPENDENT_MAPPING', details: { mapping: 'address-dependent' } });
    expect(v.candidates.every((c) => c.checkId === 'gather:all')).toBe(true);
  });
  it('one mapping (Chromium drops the identical duplicate) → not address-dependent', () => {
    const v = judgeGatherAll(servers, result({ candidates: [srflx('stun:198.18.0.1:3478', 1111)] }));
    expect(v.check).toMatchObject({ status: 'pass', code: 'OK', details: { mapping: 'not-address-dependent' } });
  });
  it('different bases are different sockets, not evidence', () => {
    const v = judgeGatherAll(servers, result({ candidates: [srflx('stun:198.18.0.1:3478', 1111, 1), srflx('stun:198.18.0.2:3478', 2222, 2)] }));
    expect(v.check.code).toBe('OK');
  });
  it('nothing answered → skip', () => {
    expect(judgeGatherAll(servers, result({ candidates: [cand('host')] })).check).toMatchObject({ status: 'skip', code: 'NO_SERVER_ANSWERED' });
  });
  it('needs two distinct UDP destinations', () => {
    expect(natEvidenceServers([spec('stun:198.18.0.1'), spec('turn:198.18.0.1')])).toHaveLength(0);
    expect(natEvidenceServers([spec('stun:198.18.0.1'), spec('turn:198.18.0.2')])).toHaveLength(2);
    expect(natEvidenceServers([spec('stun:198.18.0.1'), spec('turn:198.18.0.2?transport=tcp')])).toHaveLength(0);
  });
});
