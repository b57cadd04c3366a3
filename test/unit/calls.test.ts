import { describe, expect, it } from 'vitest';
import { judgeCall, planCalls, SLOW_SETUP_MS } from '../../src/calls.js';
import type { ServerSpec } from '../../src/config.js';
import type { Check } from '../../src/report/schema.js';
import { parseIceUri } from '../../src/uri.js';
import type { CallResult } from '../../probes/types.js';

function spec(url: string): ServerSpec {
  const r = parseIceUri(url);
  if (!r.ok) throw new Error(r.problem);
  return { url, uri: r.uri, username: 'u', credential: 'pw', credentialSource: 'given', origin: 'test' };
}
const gatherCheck = (s: ServerSpec, status: Check['status']): Check => ({
  id: `gather:${s.uri.canonical}`, kind: 'gather', target: s.uri.canonical, transport: s.uri.transport, status, code: 'X', durationMs: 1, details: {},
});

const relayCand = { type: 'relay' as const, protocol: 'udp', relayProtocol: 'tcp' as const, address: '127.0.0.1', port: 1, url: 'turn:t.test:3478?transport=tcp' };
function side(p: Partial<CallResult>): CallResult {
  return {
    role: 'caller', ok: true, failedPhase: null, error: null,
    phases: [{ name: 'signaling-connected', atMs: 5 }, { name: 'datachannel-open', atMs: 150 }],
    iceStates: [], localCandidates: [], remoteCandidates: [],
    selectedPair: { local: relayCand, remote: relayCand }, selectedPairChanges: 0,
    samples: [{ atMs: 250, bitsPerSecond: 8e7, rttMs: 2 }], bytes: 30_000_000, appBytes: 29_000_000, dataMs: 3000, rtts: [2, 1, 4], media: null,
    ...p,
  };
}

describe('planCalls', () => {
  const udp = spec('turn:t.test'), tcp = spec('turn:t.test?transport=tcp'), tls = spec('turns:t.test:443'), stun = spec('stun:s.test');
  it('one relay call per TURN transport, then policy all', () => {
    const plans = planCalls([stun, udp, tcp, tls], [udp, tcp, tls].map((s) => gatherCheck(s, 'pass')), () => true);
    expect(plans.map((p) => [p.id, p.policy, p.transport, p.servers.length, p.skip])).toEqual([
      ['relay-udp', 'relay', 'udp', 1, null],
      ['relay-tcp', 'relay', 'tcp', 1, null],
      ['relay-tls', 'relay', 'tls', 1, null],
      ['all', 'all', null, 4, null],
    ]);
  });
  it('skips a transport whose only URL gave no relay candidate, and prefers a working URL', () => {
    const udp2 = spec('turn:u2.test');
    const plans = planCalls([udp, udp2, tcp], [gatherCheck(udp, 'fail'), gatherCheck(udp2, 'pass'), gatherCheck(tcp, 'fail')], () => true);
    expect(plans[0]).toMatchObject({ id: 'relay-udp', skip: null, servers: [udp2] });
    expect(plans[1]?.skip).toMatch(/no relay candidate/);
  });
});

describe('judgeCall', () => {
  const plan = { id: 'relay-tcp', policy: 'relay' as const, transport: 'tcp' as const, servers: [spec('turn:t.test?transport=tcp')], skip: null };
  it('computes throughput, goodput, RTT summary and the timeline', () => {
    const { call, check } = judgeCall(plan, side({}), side({ role: 'callee', appBytes: 30_000_000, dataMs: 3000 }), 3000);
    expect(check).toMatchObject({ id: 'call:relay/tcp', kind: 'call', status: 'pass', code: 'OK', transport: 'tcp' });
    expect(call.throughput).toMatchObject({ bitsPerSecond: 80_000_000, goodputBitsPerSecond: 80_000_000, bytes: 30_000_000 });
    expect(call.rttMs).toEqual({ min: 1, median: 2, max: 4 });
    expect(call.setup.totalMs).toBe(150);
  });
  it('a failure names its phase and gives a hint when relay candidates were exchanged', () => {
    const caller = side({
      ok: false, failedPhase: 'ice', error: 'ICE failed', phases: [{ name: 'signaling-connected', atMs: 5 }],
      localCandidates: [{ type: 'relay', relayProtocol: 'tcp' }], remoteCandidates: [{ type: 'relay' }],
    });
    const { call, check } = judgeCall(plan, caller, side({ role: 'callee' }), 3000);
    expect(check).toMatchObject({ status: 'fail', code: 'RELAY_CALL_FAILED', details: { failedPhase: 'ice' } });
    expect(check.details.hint).toBeTypeOf('string');
    expect(call.throughput).toBeNull();
    expect(call.setup.totalMs).toBeNull();
  });
  it('the policy-all call fails with CALL_FAILED', () => {
    const all = { ...plan, id: 'all', policy: 'all' as const, transport: null };
    expect(judgeCall(all, side({ ok: false, failedPhase: 'answer' }), null, 3000).check.code).toBe('CALL_FAILED');
  });
  it('slow setup and low throughput are warnings', () => {
    const slow = side({ phases: [{ name: 'datachannel-open', atMs: SLOW_SETUP_MS + 1 }] });
    expect(judgeCall(plan, slow, side({}), 3000).check).toMatchObject({ status: 'warn', code: 'SLOW_SETUP' });
    const low = side({ bytes: 100_000 });
    // Judged on what the callee received: the sender's counter alone does not decide.
    expect(judgeCall(plan, low, side({ role: 'callee', appBytes: 100_000 }), 3000).check).toMatchObject({ status: 'warn', code: 'LOW_THROUGHPUT' });
    expect(judgeCall(plan, low, side({ role: 'callee', appBytes: 30_000_000 }), 3000).check).toMatchObject({ status: 'pass', code: 'OK' });
  });
  it('a relay call whose selected pair is not relay fails', () => {
    const host = { ...relayCand, type: 'host' as const };
    expect(judgeCall(plan, side({ selectedPair: { local: host, remote: host } }), side({}), 3000).check.code).toBe('RELAY_CALL_FAILED');
  });
});
