import { describe, expect, it } from 'vitest';
import { judgeCall, planCalls, planOneSidedCall, receivedSamples, SLOW_SETUP_MS, steadyDeliveredRate, steadyReceived, steadyReceiveRate, throughputOf } from '../../src/browser/calls.js';
import type { ServerSpec } from '../../src/config/config.js';
import type { Check } from '../../src/core/schema.js';
import { parseIceUri } from '../../src/core/uri.js';
import type { CallResult, ReceiveCount } from '../../probes/types.js';

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

describe('planOneSidedCall', () => {
  const udp = spec('turn:t.test'), tcp = spec('turn:t.test?transport=tcp'), stun = spec('stun:s.test');
  it('caller through the first relay call that runs, callee with only the STUN servers', () => {
    const gathers = [gatherCheck(stun, 'pass'), gatherCheck(udp, 'pass'), gatherCheck(tcp, 'pass')];
    const plans = planCalls([stun, udp, tcp], gathers, () => true);
    const p = planOneSidedCall([stun, udp, tcp], plans, gathers, () => true);
    expect(p).toMatchObject({ id: 'relay-one-side-udp', policy: 'relay', transport: 'udp', servers: [udp], skip: null, directCallee: { servers: [stun] } });
  });
  it('the relay call over UDP is skipped: over the next transport that runs', () => {
    const gathers = [gatherCheck(stun, 'pass'), gatherCheck(udp, 'fail'), gatherCheck(tcp, 'pass')];
    const p = planOneSidedCall([stun, udp, tcp], planCalls([stun, udp, tcp], gathers, () => true), gathers, () => true);
    expect(p).toMatchObject({ transport: 'tcp', servers: [tcp], skip: null });
  });
  it('no UDP answer from any server here: skipped (a callee without TURN here could reach no relay)', () => {
    const gathers = [gatherCheck(stun, 'fail'), gatherCheck(udp, 'fail'), gatherCheck(tcp, 'pass')];
    const p = planOneSidedCall([stun, udp, tcp], planCalls([stun, udp, tcp], gathers, () => true), gathers, () => true);
    expect(p?.skip).toMatch(/UDP/);
  });
  it('no stun: URL: the callee learns its reflexive address from the TURN server over UDP (as stun: on its host and port)', () => {
    const gathers = [gatherCheck(udp, 'pass'), gatherCheck(tcp, 'pass')];
    const p = planOneSidedCall([udp, tcp], planCalls([udp, tcp], gathers, () => true), gathers, () => true);
    expect(p?.skip).toBeNull();
    expect(p?.directCallee?.servers.map((s) => [s.uri.canonical, s.username, s.credential])).toEqual([['stun:t.test:3478', null, null]]);
  });
  it('no stun: URL and no working TURN over UDP: skipped, not a host-only call that would fail on a healthy server', () => {
    const gathers = [gatherCheck(udp, 'fail'), gatherCheck(tcp, 'pass'), { ...gatherCheck(spec('stun:other.test'), 'pass'), id: 'gather:turn:x.test:3478?transport=udp', transport: 'udp' as const }];
    const p = planOneSidedCall([udp, tcp], planCalls([udp, tcp], gathers, () => true), gathers, () => true);
    expect(p).toMatchObject({ transport: 'tcp' });
    expect(p?.skip).toMatch(/no STUN server/);
  });
  it('no relay call runs: none', () => {
    const gathers = [gatherCheck(stun, 'pass'), gatherCheck(udp, 'fail')];
    expect(planOneSidedCall([stun, udp], planCalls([stun, udp], gathers, () => true), gathers, () => true)).toBeNull();
  });
  it('judged as its own call check: ONE_SIDED_CALL_FAILED with a hint, peer direct, never LOW_THROUGHPUT', () => {
    const plan = { id: 'relay-one-side-udp', policy: 'relay' as const, transport: 'udp' as const, servers: [udp], skip: null, directCallee: { servers: [stun] } };
    const failed = judgeCall(plan, side({ ok: false, failedPhase: 'ice', error: 'ICE failed', localCandidates: [{ type: 'relay', relayProtocol: 'udp' }] as CallResult['localCandidates'] }), side({ role: 'callee', ok: false }), 1000);
    expect(failed.check).toMatchObject({ id: 'call:relay-one-side/udp', status: 'fail', code: 'ONE_SIDED_CALL_FAILED' });
    expect(failed.call.peer).toBe('direct');
    expect(String(failed.check.details.hint)).toMatch(/outside/);
    const slow = judgeCall(plan, side({ bytes: 10_000, dataMs: 1000 }), side({ role: 'callee', appBytes: 10_000, dataMs: 1000 }), 1000);
    expect(slow.check.code).toBe('OK');
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

describe('the callee\'s receive rate', () => {
  // Cumulative counters every 250 ms: idle before the data, 1 Mbit/s for the first second,
  // then 4 Mbit/s (500 packets/s) with one stalled interval, then idle after the sender stopped.
  // It acknowledges at 0.2 Mbit/s in 250 packets/s.
  const counter: ReceiveCount[] = [];
  let bytes = 0;
  let packets = 0;
  let sentBytes = 0;
  let sentPackets = 0;
  const rates = [0, 0, 1, 1, 1, 1, 4, 4, 0, 4, 4, 4, 0, 0];
  rates.forEach((mbit, i) => {
    bytes += (mbit * 1e6 * 0.25) / 8;
    packets += mbit > 0 ? (mbit === 4 ? 125 : 30) : 0;
    sentBytes += mbit > 0 ? (0.2e6 * 0.25) / 8 : 0;
    sentPackets += mbit > 0 ? 62.5 : 0;
    counter.push({ atMs: 100 + 250 * i, bytes, packets, sentBytes, sentPackets });
  });

  it('per interval, from the first interval with data to the last, stamped from the start of data', () => {
    const s = receivedSamples(counter);
    expect(s.map((x) => x.bitsPerSecond)).toEqual([1e6, 1e6, 1e6, 1e6, 4e6, 4e6, 0, 4e6, 4e6, 4e6]);
    expect(s.map((x) => x.atMs)).toEqual([250, 500, 750, 1000, 1250, 1500, 1750, 2000, 2250, 2500]);
    expect(s[4]).toEqual({ atMs: 1250, bitsPerSecond: 4e6, packetsPerSecond: 500, reverseBitsPerSecond: 2e5, reversePacketsPerSecond: 250 });
  });

  it('steady rate: the median after the first second, so neither slow start nor one stall pulls it down', () => {
    const s = receivedSamples(counter);
    expect(steadyReceived(s)).toHaveLength(6);
    expect(steadyReceiveRate(s)).toBe(4e6);
    // Headers below the counter, per packet; and the acknowledgements when they share the link.
    expect(steadyReceiveRate(s, { perPacketOverheadBytes: 46, withReverse: false })).toBe(4e6 + 500 * 46 * 8);
    expect(steadyReceiveRate(s, { perPacketOverheadBytes: 46, withReverse: true })).toBe(4e6 + 500 * 46 * 8 + 2e5 + 250 * 46 * 8);
  });

  it('nothing to judge without data, or with only the warm-up', () => {
    expect(receivedSamples([])).toEqual([]);
    const idle = { bytes: 0, packets: 0, sentBytes: 0, sentPackets: 0 };
    expect(receivedSamples([{ atMs: 0, ...idle }, { atMs: 250, ...idle }])).toEqual([]);
    expect(steadyReceiveRate(receivedSamples(counter.slice(0, 6)))).toBeNull();
  });

  it('judgeCall reports it from the callee\'s counters', () => {
    const plan = { id: 'relay-udp', policy: 'relay' as const, transport: 'udp' as const, servers: [spec('turn:t.test')], skip: null };
    const { call } = judgeCall(plan, side({}), side({ role: 'callee', receiveCounter: counter }), 3000);
    expect(call.throughput?.receivedBitsPerSecond).toBe(4e6);
    expect(call.throughput?.receivedSamples).toHaveLength(10);
    const none = judgeCall(plan, side({}), side({ role: 'callee' }), 3000).call.throughput;
    expect(none?.receivedBitsPerSecond).toBeUndefined();
    expect(none?.receivedSamples).toBeUndefined();
  });
});

describe('the headline: what the callee\'s application received', () => {
  // A TURN/UDP transfer on a shaped 20 Mbit/s link, as recorded in the lab (rate-limited-20): the
  // sender's counter overshoots the link (it counts what the shaper drops), the callee's transport
  // receives ~18 Mbit/s, and its application gets bursts: an ordered channel holds everything
  // behind a lost chunk until the retransmission arrives. Mbit/s per 250 ms interval.
  const transport = [11.6, 8.5, 13.3, 11.2, 18.4, 18.5, 18.3, 17.1, 16.2, 17.6, 18.2, 16.7];
  const app = [9.0, 9.3, 13.6, 10.4, 17.4, 17.7, 6.8, 0.5, 15.8, 9.8, 4.8, 5.1];
  function counterOf(tr: readonly number[], ap: readonly number[], appLagMs = 7): ReceiveCount[] {
    const out: ReceiveCount[] = [{ atMs: 100, bytes: 0, packets: 0, sentBytes: 0, sentPackets: 0, appBytes: 0, appAtMs: 100 + appLagMs }];
    let bytes = 0;
    let appBytes = 0;
    tr.forEach((m, i) => {
      bytes += (m * 1e6 * 0.25) / 8;
      appBytes += ((ap[i] ?? 0) * 1e6 * 0.25) / 8;
      out.push({ atMs: 100 + 250 * (i + 1), bytes, packets: 0, sentBytes: 0, sentPackets: 0, appBytes, appAtMs: 100 + appLagMs + 250 * (i + 1) });
    });
    return out;
  }
  const sentSamples = [11.7, 8.0, 19.5, 9.7, 17.1, 24.1, 21.9, 26.2, 9.0, 24.8, 43.3, 7.1].map((m, i) => ({ atMs: 250 * (i + 1), bitsPerSecond: m * 1e6, rttMs: 40 }));
  const caller = side({ samples: sentSamples, bytes: (18.5e6 * 3) / 8, dataMs: 3000 });
  const callee = side({ role: 'callee', appBytes: (10.05e6 * 3) / 8, dataMs: 3000, receiveCounter: counterOf(transport, app) });

  it('per interval, on the page\'s own clock', () => {
    const s = receivedSamples(counterOf(transport, app));
    expect(s.map((x) => x.appBitsPerSecond)).toEqual(app.map((m) => Math.round(m * 1e6)));
  });

  it('the mean over the steady intervals (bytes delivered after the warm-up over their time), not their median', () => {
    const s = receivedSamples(counterOf(transport, app));
    const steady = app.slice(4); // the intervals that start at or after 1 s
    const mean = steady.reduce((a, b) => a + b, 0) / steady.length;
    expect(steadyDeliveredRate(s)).toBe(Math.round(mean * 1e6));
    // The median of the same bursty intervals (8.3) is 15 % off the bytes they delivered.
    expect(Math.abs(8.3e6 - mean * 1e6) / (mean * 1e6)).toBeGreaterThan(0.14);
  });

  it('is the figure: never the sender\'s counter, never above what the callee\'s transport received', () => {
    const t = throughputOf(caller, callee);
    expect(t?.bitsPerSecond).toBe(steadyDeliveredRate(receivedSamples(callee.receiveCounter ?? [])));
    expect(t?.sentBitsPerSecond).toBe(18.5e6);
    expect(t!.bitsPerSecond).toBeLessThan(t!.sentBitsPerSecond!);
    expect(t!.bitsPerSecond).toBeLessThanOrEqual(t!.receivedBitsPerSecond!);
    const { check } = judgeCall({ id: 'relay-udp', policy: 'relay', transport: 'udp', servers: [spec('turn:t.test')], skip: null }, caller, callee, 3000);
    expect(check.details.bitsPerSecond).toBe(t?.bitsPerSecond);
  });

  it('never above what the callee\'s transport received over the same intervals (a backlog from the warm-up handed over inside the window)', () => {
    // A stall at the end of the warm-up, then the held-back data all at once: the application
    // counts 6.8 Mbit/s in one interval of a 4 Mbit/s link whose transport received 3.3.
    const s = receivedSamples(counterOf([3.5, 3.4, 3.4, 3.3, 3.3, 3.3, 3.3, 3.3], [3.1, 2.6, 1.6, 0, 6.8, 3.1, 3.1, 3.1]));
    expect(steadyDeliveredRate(s)).toBe(3.3e6);
  });

  it('states its 90 % margin: the t interval of the steady intervals\' mean, in percent of it', () => {
    const steady = app.slice(4);
    const n = steady.length;
    const mean = steady.reduce((a, b) => a + b, 0) / n;
    const sd = Math.sqrt(steady.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
    const t95 = [6.314, 2.92, 2.353, 2.132, 2.015, 1.943, 1.895, 1.86][n - 2] ?? NaN;
    expect(throughputOf(caller, callee)?.marginPercent).toBeCloseTo(((t95 * sd) / Math.sqrt(n) / mean) * 100, 1);
    // Without a steady interval there is no margin to state.
    expect(throughputOf(caller, { ...callee, receiveCounter: counterOf(transport.slice(0, 4), app.slice(0, 4)) })?.marginPercent).toBeUndefined();
  });

  it('a page that did not count application bytes, or a transfer too short for a steady interval: the whole transfer\'s goodput', () => {
    const old = counterOf(transport, app).map(({ appBytes: _b, appAtMs: _t, ...rest }) => rest);
    expect(throughputOf(caller, { ...callee, receiveCounter: old })?.bitsPerSecond).toBe(10_050_000);
    expect(throughputOf(caller, { ...callee, receiveCounter: counterOf(transport.slice(0, 4), app.slice(0, 4)) })?.bitsPerSecond).toBe(10_050_000);
    // Nothing arrived: 0, however much the sender sent.
    expect(throughputOf(caller, { ...callee, appBytes: 0, dataMs: 0, receiveCounter: [] })?.bitsPerSecond).toBe(0);
  });
});
