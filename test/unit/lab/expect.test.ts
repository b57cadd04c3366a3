import { describe, expect, it } from 'vitest';
import { evaluateExpectations, expectedLoss, judgeAgainstReference, referenceTransferMelted, reportedLoss, RELAY_UDP_WIRE_OVERHEAD_BYTES, reportedRelayRate, srflxPerDestination, transportOutcome } from '../../../src/services/lab/expect.js';
import { labCheckConfig } from '../../../src/services/lab/run.js';
import { parseScenario } from '../../../src/services/lab/scenario.js';
import type { Check, Report } from '../../../src/core/schema.js';

function check(kind: Check['kind'], transport: Check['transport'], status: Check['status']): Check {
  return { id: `${kind}-${transport}-${status}`, kind, target: 't', transport, status, code: status === 'pass' ? 'OK' : 'X', durationMs: 1, details: {} };
}

function report(over: Partial<Report>): Report {
  return {
    schemaVersion: 1,
    tool: { name: 'iceprobe', version: 't' },
    startedAt: '2026-01-01T00:00:00Z',
    durationMs: 1,
    environment: { browser: null, node: 'v20', platform: 'linux' },
    servers: [],
    checks: [],
    candidates: [],
    findings: [],
    summary: { status: 'pass', passed: 0, warned: 0, failed: 0, skipped: 0 },
    ...over,
  };
}

const srflx = (address: string, port = 1, url = 'stun:198.18.0.1:3478', base = '198.19.1.10:5000') => ({
  url,
  checkId: 'gather:all',
  type: 'srflx' as const,
  protocol: 'udp' as const,
  relayProtocol: null,
  address,
  port,
  relatedAddress: base.split(':')[0] ?? null,
  relatedPort: Number(base.split(':')[1]),
  elapsedMs: 1,
});
const finding = (code: string) => ({ code, severity: 'error' as const, message: 'm', advice: 'a', checkIds: [] });
const gatherCheck = (target: string, transport: Check['transport'], status: Check['status']): Check => ({ ...check('gather', transport, status), id: `gather:${target}`, target });
const pathQuality = (host: string, sent: number, received: number): Check => ({
  id: `path-quality:stun:${host}:3478`,
  kind: 'path-quality',
  target: `stun:${host}:3478`,
  transport: 'udp',
  status: 'pass',
  code: 'OK',
  durationMs: 1,
  details: { sent, received },
});
/**
 * A relay call over TURN/UDP whose sender samples every 250 ms are `mbit` (the first second:
 * `warm`); the callee received the same payload rates in 350 packets/s.
 */
function relayUdpCall(mbit: number[], warm = 9, goodputMbit = 3.7): NonNullable<Report['calls']>[number] {
  const samples = [warm, warm, warm, warm, ...mbit].map((m, i) => ({ atMs: 250 * (i + 1), bitsPerSecond: m * 1e6, rttMs: null }));
  const receivedSamples = samples.map((x) => ({ atMs: x.atMs, bitsPerSecond: x.bitsPerSecond, packetsPerSecond: 350, reverseBitsPerSecond: 0, reversePacketsPerSecond: 0 }));
  return {
    id: 'relay-udp', checkId: 'call:relay/udp', policy: 'relay', via: [], transport: 'udp', status: 'pass', code: 'OK', failedPhase: null,
    setup: { totalMs: 1, phases: [] }, selectedPair: null, selectedPairChanges: 0, rttMs: null,
    throughput: { bitsPerSecond: goodputMbit * 1e6, sentBitsPerSecond: 6e6, goodputBitsPerSecond: goodputMbit * 1e6, receivedBitsPerSecond: (mbit[Math.floor(mbit.length / 2)] ?? 0) * 1e6, receivedSamples, bytes: 1, durationMs: 3000, samples },
  };
}

describe('transportOutcome', () => {
  it('TURN over the transport: pass if a gather/allocate check of a turn(s): URL passed, fail if none did, absent without', () => {
    const r = report({
      checks: [
        gatherCheck('turn:198.18.0.1:3478?transport=udp', 'udp', 'fail'),
        check('turn-allocate', 'udp', 'pass'),
        gatherCheck('turn:198.18.0.1:3478?transport=tcp', 'tcp', 'fail'),
        check('config', 'tls', 'pass'),
      ],
    });
    expect(transportOutcome(r, 'udp')).toBe('pass');
    expect(transportOutcome(r, 'tcp')).toBe('fail');
    expect(transportOutcome(r, 'tls')).toBe('absent');
  });

  it('a working STUN server does not make TURN over UDP pass (wrong credentials)', () => {
    const r = report({ checks: [gatherCheck('stun:198.18.0.1:3478', 'udp', 'pass'), gatherCheck('turn:198.18.0.1:3478?transport=udp', 'udp', 'fail'), { ...check('turn-allocate', 'udp', 'fail'), code: 'TURN_AUTH_FAILED' }] });
    expect(transportOutcome(r, 'udp')).toBe('fail');
  });
});

describe('report readers', () => {
  it('relay rate: what reached the callee\'s transport, headers added back, not what the sender counted or the goodput', () => {
    const call = relayUdpCall([3.8, 3.6, 9, 3.7, 3.5], 9, 2.3);
    // The callee: a slow first second, then 3.5 Mbit/s in 400 packets/s, one stall; it sends
    // back 0.1 Mbit/s of acknowledgements in 200 packets/s.
    const receivedSamples = [1, 1, 1, 1, 3.5, 3.5, 0.5, 3.5, 3.5].map((m, i) => ({
      atMs: 250 * (i + 1), bitsPerSecond: m * 1e6, packetsPerSecond: m === 1 ? 100 : 400, reverseBitsPerSecond: 1e5, reversePacketsPerSecond: 200,
    }));
    const r = report({ calls: [{ ...call, throughput: { ...call.throughput!, receivedBitsPerSecond: 3_500_000, receivedSamples } }] });
    expect(reportedRelayRate(r)).toEqual({
      callId: 'relay-udp',
      steadyBitsPerSecond: 3_500_000 + 400 * RELAY_UDP_WIRE_OVERHEAD_BYTES * 8 + 100_000 + 200 * RELAY_UDP_WIRE_OVERHEAD_BYTES * 8,
      receivedBitsPerSecond: 3_500_000,
      senderSteadyBitsPerSecond: 3_700_000,
      deliveredBitsPerSecond: 2_300_000,
      averageBitsPerSecond: 6e6,
      samples: 5,
    });
    expect(RELAY_UDP_WIRE_OVERHEAD_BYTES).toBe(46);
    // A report without the callee's samples (a failed callee) has no rate to judge.
    const { receivedSamples: _dropped, ...noSamples } = call.throughput!;
    expect(reportedRelayRate(report({ calls: [{ ...call, throughput: noSamples }] }))).toBeNull();
    expect(reportedRelayRate(report({}))).toBeNull();
  });

  it('loss: pooled over every path-quality burst, one-way = 1 - sqrt(1 - round trip)', () => {
    const r = report({ checks: [pathQuality('198.18.0.1', 200, 180), pathQuality('198.18.0.2', 200, 182), pathQuality('198.18.0.3', 200, 0)] });
    const l = reportedLoss(r);
    expect(l?.sent).toBe(400);
    expect(l?.received).toBe(362);
    expect(l?.roundTripLossPercent).toBeCloseTo(9.5, 6);
    expect(l?.oneWayLossPercent).toBeCloseTo((1 - Math.sqrt(0.905)) * 100, 6);
    expect(l?.checkIds).toHaveLength(2);
    expect(reportedLoss(report({ checks: [pathQuality('198.18.0.1', 200, 0)] }))).toBeNull();
  });

  it('expected loss: one way for symmetric loss, round trip otherwise; TCP-only loss is none over UDP', () => {
    expect(expectedLoss({ percent: 5, protocol: 'all', direction: 'both' }).oneWay).toBeCloseTo(5, 9);
    expect(expectedLoss({ percent: 5, protocol: 'all', direction: 'both' }).roundTrip).toBeCloseTo(9.75, 9);
    expect(expectedLoss({ percent: 5, protocol: 'udp', direction: 'up' }).oneWay).toBeNull();
    expect(expectedLoss({ percent: 5, protocol: 'udp', direction: 'up' }).roundTrip).toBeCloseTo(5, 9);
    expect(expectedLoss({ percent: 5, protocol: 'tcp', direction: 'both' })).toEqual({ oneWay: 0, roundTrip: 0 });
  });

  it('srflx per destination: grouped by base, from gather:all only', () => {
    const sym = report({ candidates: [srflx('198.18.0.10', 2000), srflx('198.18.0.10', 3000, 'stun:198.18.0.2:3478')] });
    expect(srflxPerDestination(sym)).toMatchObject({ bases: 1, differing: 1 });
    const cone = report({ candidates: [srflx('198.18.0.10', 2000), srflx('198.18.0.10', 2000, 'stun:198.18.0.2:3478'), { ...srflx('198.18.0.10', 9), checkId: 'gather:stun:198.18.0.1:3478' }] });
    expect(srflxPerDestination(cone)).toMatchObject({ bases: 1, differing: 0 });
  });
});

describe('evaluateExpectations', () => {
  const scenario = parseScenario({
    name: 's',
    description: 'd',
    rateLimit: { bitsPerSecond: 4_000_000 },
    loss: { percent: 5 },
    secondSite: { nat: { mapping: 'address-and-port-dependent' } },
    nat: { mapping: 'address-and-port-dependent' },
    expect: {
      findings: { present: ['SYMMETRIC_NAT'], absent: ['UDP_BLOCKED'] },
      transports: { udp: 'pass' },
      groundTruth: { srflxIsRouterPublic: true, srflxPortDiffersPerDestination: true, throughputWithinPercent: 15, lossNearPercent: 2, relayNeeded: true },
    },
  });
  const facts = { routerPublicIp: '198.18.0.10', clientIp: '198.19.1.10' };
  const ALL = [
    'report.scenario',
    'findings.present.SYMMETRIC_NAT',
    'findings.absent.UDP_BLOCKED',
    'transports.udp',
    'groundTruth.srflxIsRouterPublic',
    'groundTruth.srflxPortDiffersPerDestination',
    'groundTruth.throughputWithinPercent',
    'groundTruth.lossNearPercent',
    'groundTruth.relayNeeded',
  ].sort();

  it('all pass for a report that says what the scenario expects', () => {
    const r = report({
      scenario: 's',
      findings: [finding('SYMMETRIC_NAT'), finding('RELAY_REQUIRED')],
      checks: [gatherCheck('turn:198.18.0.1:3478?transport=udp', 'udp', 'pass'), pathQuality('198.18.0.1', 200, 181), pathQuality('198.18.0.2', 200, 180)],
      candidates: [srflx('198.18.0.10', 2000), srflx('198.18.0.10', 3000, 'stun:198.18.0.2:3478')],
      calls: [relayUdpCall([3.7, 3.6, 3.8, 3.7])],
    });
    const res = evaluateExpectations(scenario, r, facts);
    expect(res.map((x) => x.id).sort()).toEqual(ALL);
    expect(res.filter((x) => !x.pass)).toEqual([]);
  });

  it('each wrong answer fails its own expectation', () => {
    const r = report({
      findings: [finding('UDP_BLOCKED')],
      checks: [gatherCheck('turn:198.18.0.1:3478?transport=udp', 'udp', 'fail'), pathQuality('198.18.0.1', 200, 200)],
      candidates: [srflx('198.19.1.10', 2000), srflx('198.19.1.10', 2000, 'stun:198.18.0.2:3478')],
      // A whole-run average inside the band does not count: the steady rate is 6 Mbit/s.
      calls: [{ ...relayUdpCall([6, 6, 6, 6]), throughput: { ...relayUdpCall([6, 6, 6, 6]).throughput!, bitsPerSecond: 4e6 } }],
    });
    const failed = evaluateExpectations(scenario, r, facts).filter((x) => !x.pass).map((x) => x.id).sort();
    expect(failed).toEqual(ALL);
  });

  it('without NAT every srflx must be the client\'s own address', () => {
    const open = parseScenario({ name: 'o', description: 'd', nat: { mapping: 'none' }, expect: { groundTruth: { srflxIsRouterPublic: false } } });
    const pass = (addr: string) => evaluateExpectations(open, report({ scenario: 'o', candidates: [srflx(addr)] }), facts).find((x) => x.id === 'groundTruth.srflxIsRouterPublic')?.pass;
    expect(pass('198.19.1.10')).toBe(true);
    expect(pass('198.18.0.99')).toBe(false);
    expect(pass('198.18.0.10')).toBe(false);
  });

  it('judges the lab measurements on their own', () => {
    const res = evaluateExpectations(scenario, null, {
      ...facts,
      measured: { upBitsPerSecond: 5_000_000, upLossPercent: 5.5, mappings: [{ address: '198.18.0.10', port: 1 }, null], directPath: false },
    });
    expect(res.every((x) => x.source === 'lab')).toBe(true);
    expect(Object.fromEntries(res.map((x) => [x.id, x.pass]))).toEqual({
      'groundTruth.throughputWithinPercent': false,
      'groundTruth.lossNearPercent': true,
      'groundTruth.srflxIsRouterPublic': false,
      'groundTruth.srflxPortDiffersPerDestination': false,
      'groundTruth.relayNeeded': true,
    });
  });
});

describe('throughputVsReferencePercent', () => {
  const scenario = parseScenario({ name: 'r', description: 'd', rateLimit: { bitsPerSecond: 20_000_000 }, expect: { groundTruth: { throughputVsReferencePercent: 15 } } });
  const facts = { routerPublicIp: '198.18.0.10', clientIp: '198.19.1.10' };
  const ref = (mbit: number, ok = true) => ({ bitsPerSecond: mbit * 1e6, wholeBitsPerSecond: mbit * 0.9e6, runs: [mbit * 1e6], ok, error: ok ? null : 'x' });
  const call = (t: 'udp' | 'tcp' | 'tls', headlineMbit: number, sentMbit: number) => {
    const c = relayUdpCall([3, 3, 3, 3]);
    return { ...c, id: `relay-${t}`, checkId: `call:relay/${t}`, transport: t, throughput: { ...c.throughput!, bitsPerSecond: headlineMbit * 1e6, sentBitsPerSecond: sentMbit * 1e6 } };
  };
  const judged = (calls: ReturnType<typeof call>[], measured: object) =>
    Object.fromEntries(evaluateExpectations(scenario, report({ scenario: 'r', calls }), { ...facts, measured }).filter((x) => x.id.startsWith('groundTruth.throughputVs')).map((x) => [`${x.id}/${x.source}`, x.pass]));

  it('per transport: the headline within ±N % of the minimal page, never above the shaper; the sender\'s counter is not judged', () => {
    const measured = { referenceBitsPerSecond: { udp: ref(17), tcp: ref(16), tls: ref(15) } };
    // UDP and TCP agree although their senders counted more than the link carries; TLS is 20 % high.
    expect(judged([call('udp', 16.5, 22), call('tcp', 15, 18), call('tls', 18, 18)], measured)).toEqual({
      'groundTruth.throughputVsReferencePercent.udp/report': true,
      'groundTruth.throughputVsReferencePercent.tcp/report': true,
      'groundTruth.throughputVsReferencePercent.tls/report': false,
      'groundTruth.throughputVsReferencePercent.udp/lab': true,
      'groundTruth.throughputVsReferencePercent.tcp/lab': true,
      'groundTruth.throughputVsReferencePercent.tls/lab': true,
    });
  });

  it('above the link fails even when the reference agrees; a failed reference or a missing call fails', () => {
    const measured = { referenceBitsPerSecond: { udp: ref(19.5), tcp: ref(16, false), tls: ref(21) } };
    expect(judged([call('udp', 21, 25), call('tcp', 16, 16)], measured)).toEqual({
      'groundTruth.throughputVsReferencePercent.udp/report': false,
      'groundTruth.throughputVsReferencePercent.tcp/report': false,
      'groundTruth.throughputVsReferencePercent.tls/report': false,
      'groundTruth.throughputVsReferencePercent.udp/lab': true,
      'groundTruth.throughputVsReferencePercent.tcp/lab': false,
      'groundTruth.throughputVsReferencePercent.tls/lab': false,
    });
  });

  it('a reference whose own transfers spread wider than the band: a headline within the band around their range passes, outside it fails', () => {
    const wide = { bitsPerSecond: 2.88e6, runs: [3.23e6, 2.02e6, 2.88e6], ok: true };
    expect(judgeAgainstReference(2.1e6, wide, 15, 4e6)).toMatchObject({ pass: true, by: 'reference-spread' });
    expect(judgeAgainstReference(3.6e6, wide, 15, 4e6)).toMatchObject({ pass: true, by: 'reference-spread' });
    expect(judgeAgainstReference(3.75e6, wide, 15, 4e6)).toMatchObject({ pass: false, by: 'none' });
    expect(judgeAgainstReference(1.6e6, wide, 15, 4e6)).toMatchObject({ pass: false, by: 'none' });
    expect(judgeAgainstReference(2.9e6, wide, 15, 4e6)).toMatchObject({ pass: true, by: 'band' });
    // CI, rate-limited, TURN/TLS: two of the page's three transfers half melted down, the median
    // with them; each run is within 30 % of it, but the range (1.08) is 43 % of it.
    const halfMelted = { bitsPerSecond: 2_506_653, runs: [2_506_653, 1_942_255, 3_023_576], ok: true };
    expect(judgeAgainstReference(3_284_430, halfMelted, 30, 4e6)).toMatchObject({ pass: true, by: 'reference-spread' });
    // CI, rate-limited-20, TURN/TCP: iceprobe's own transfer melted down far below any of the page's.
    expect(judgeAgainstReference(1_826_093, { bitsPerSecond: 16_386_150, runs: [16_987_709, 9_736_802, 16_386_150], ok: true }, 30, 20e6)).toMatchObject({ pass: false, by: 'none' });
    // A tight reference gives no such room.
    expect(judgeAgainstReference(3.4e6, { bitsPerSecond: 2.88e6, runs: [2.9e6, 2.88e6, 2.8e6], ok: true }, 15, 4e6).pass).toBe(false);
    expect(judgeAgainstReference(4.1e6, { bitsPerSecond: 4.05e6, runs: [4.05e6], ok: true }, 15, 4e6).pass).toBe(false);
  });

  it("the page's own melted-down transfers (a 0.5 s stall, or 1.3x on its link) are no reference", () => {
    expect(referenceTransferMelted(11.3e6, 17.4e6, 339)).toBe(true); // 1.54x
    expect(referenceTransferMelted(7.5e6, 15.6e6, 378)).toBe(true);
    expect(referenceTransferMelted(2.1e6, 3.3e6, 1057)).toBe(true); // both signs
    expect(referenceTransferMelted(2.4e6, 3.3e6, 727)).toBe(true);
    expect(referenceTransferMelted(17.0e6, 17.8e6, 28)).toBe(false);
    expect(referenceTransferMelted(15.5e6, 16.1e6, 416)).toBe(false);
    expect(referenceTransferMelted(3.0e6, null, 499)).toBe(false); // no link counter: the stall alone
    expect(referenceTransferMelted(3.0e6, undefined, 500)).toBe(true);
    // Recorded, rate-limited-20, TURN/TCP: one of the page's three melted (delivered/link Mbit/s,
    // longest gap); the median of all three (15.3) against the median of the two others (16.2).
    const rec = { bitsPerSecond: 15.3e6, runs: [11.3e6, 15.3e6, 17.0e6], linkRuns: [17.4e6, 17.8e6, 17.8e6], gapsMs: [339, 180, 28], ok: true };
    expect(judgeAgainstReference(16.81e6, rec, 15, 20e6)).toEqual({ pass: true, by: 'band', against: 16.15e6 });
    // Ignoring the melted transfer is what keeps a too-low headline from passing.
    expect(judgeAgainstReference(13.2e6, rec, 15, 20e6).pass).toBe(false);
    expect(judgeAgainstReference(13.2e6, { ...rec, linkRuns: undefined, gapsMs: undefined }, 15, 20e6).pass).toBe(true);
  });

  it("above the band, up to what the page's own link carried: the page half melted, the link could carry it", () => {
    // Lab, rate-limited-20, TURN/TCP (session 17): two of the page's transfers melted (1.55x, and
    // a 519 ms stall), the third half (1.23x, 14.5 delivered on a link of 17.8); iceprobe 16.9 at 1.06x.
    const half = { bitsPerSecond: 10.9e6, runs: [10_899_052, 5_214_952, 14_458_844], linkRuns: [16_839_333, 16_402_110, 17_768_336], gapsMs: [441, 519, 164], ok: true };
    expect(judgeAgainstReference(16_858_028, half, 15, 20e6)).toEqual({ pass: true, by: 'reference-link', against: 14_458_844 });
    expect(judgeAgainstReference(17.8e6, half, 15, 20e6)).toMatchObject({ pass: false, by: 'none' });
    // Not below the band: what the link carried is no floor.
    expect(judgeAgainstReference(12.2e6, half, 15, 20e6)).toMatchObject({ pass: false, by: 'none' });
    // Without the page's link counter there is no such ceiling.
    expect(judgeAgainstReference(16_858_028, { ...half, linkRuns: undefined }, 15, 20e6)).toMatchObject({ pass: false, by: 'none' });
    // A healthy page's band reaches past its link anyway (framing: 3-9 %): the rule adds nothing there.
    const healthy = { bitsPerSecond: 17.0e6, runs: [17.0e6, 16.9e6, 17.2e6], linkRuns: [17.8e6, 17.7e6, 18.0e6], gapsMs: [20, 18, 23], ok: true };
    expect(judgeAgainstReference(19.5e6, healthy, 15, 20e6)).toMatchObject({ pass: true, by: 'band' });
    expect(judgeAgainstReference(19.6e6, healthy, 15, 20e6)).toMatchObject({ pass: false, by: 'none' });
  });

  it('every transfer of the page melted: the median of all of them, and up to what their link carried', () => {
    // CI's shape (rate-limited-20, TURN/TCP): the page delivered 11.2, 11.5 and 10.0 Mbit/s and
    // iceprobe's healthy call 14.7, judged a miss; the links as the page reads them there (17.4-17.9).
    const melted = { bitsPerSecond: 11.2e6, runs: [11.2e6, 11.5e6, 10.0e6], linkRuns: [17.5e6, 17.6e6, 17.4e6], gapsMs: [120, 90, 300], ok: true };
    expect(judgeAgainstReference(14.7e6, melted, 15, 20e6)).toEqual({ pass: true, by: 'reference-link', against: 11.2e6 });
    expect(judgeAgainstReference(9.6e6, melted, 15, 20e6)).toMatchObject({ pass: true, by: 'band' });
    expect(judgeAgainstReference(9.4e6, melted, 15, 20e6)).toMatchObject({ pass: false, by: 'none' });
    // Above what the link carried is impossible for it, and the shaper caps it anyway.
    expect(judgeAgainstReference(17.7e6, melted, 15, 20e6).pass).toBe(false);
    expect(judgeAgainstReference(20.1e6, { ...melted, linkRuns: [21e6, 21e6, 21e6] }, 15, 20e6).pass).toBe(false);
  });

  it('needs a rate limit', () => {
    expect(() => parseScenario({ name: 'r', description: 'd', expect: { groundTruth: { throughputVsReferencePercent: 15 } } })).toThrow(/rateLimit/);
  });
});

describe('labCheckConfig', () => {
  it('gives both STUN addresses and TURN udp/tcp/tls on the first, with credentials', () => {
    const c = labCheckConfig({ ips: ['198.18.0.1', '198.18.0.2'], port: 3478, tlsPort: 443, username: 'lab', credential: 'pw-123' }) as { iceServers: { urls: string[]; username?: string; credential?: string }[]; iceprobe: { insecureTls: boolean } };
    expect(c.iceServers[0]?.urls).toEqual(['stun:198.18.0.1:3478', 'stun:198.18.0.2:3478']);
    expect(c.iceServers[1]).toEqual({ urls: ['turn:198.18.0.1:3478?transport=udp', 'turn:198.18.0.1:3478?transport=tcp', 'turns:198.18.0.1:443?transport=tcp'], username: 'lab', credential: 'pw-123' });
    expect(c.iceprobe.insecureTls).toBe(true);
  });
});

describe('dual-stack ground truth', () => {
  const dual = parseScenario({ name: 'd', description: 'd', ipv6: true, expect: { groundTruth: { ipv6HostCandidate: true, ipv6ServerAnswers: true, srflxIsRouterPublic: true } } });
  const facts6 = { routerPublicIp: '198.18.0.10', clientIp: '198.19.1.10', clientIp6: '2001:db8:1::10' };
  const host6 = { ...srflx('2001:db8:1::10'), type: 'host' as const, family: 'ipv6' as const };
  const twin = (status: Check['status'], code: string): Check => ({ ...check('turn-allocate', 'udp', status), id: 'turn-allocate:turn:turn.lab.test:3478?transport=udp@ipv6', code });
  const judged = (r: Report, measured = {}) => Object.fromEntries(evaluateExpectations(dual, r, { ...facts6, measured }).map((x) => [`${x.id}/${x.source}`, x.pass]));

  it('the client\'s IPv6 host candidate and every IPv6 twin passing; an IPv6 srflx is not the NAT\'s', () => {
    const r = report({ candidates: [srflx('198.18.0.10'), { ...srflx('2001:db8:1::10'), family: 'ipv6' }, host6], checks: [twin('pass', 'OK')] });
    expect(judged(r, { ipv6ClientAddresses: ['2001:db8:1::10'], ipv6ServerAnswers: true })).toMatchObject({
      'groundTruth.ipv6HostCandidate/report': true,
      'groundTruth.ipv6ServerAnswers/report': true,
      'groundTruth.srflxIsRouterPublic/report': true,
      'groundTruth.ipv6HostCandidate/lab': true,
      'groundTruth.ipv6ServerAnswers/lab': true,
    });
  });

  it('a failed twin, no twins at all, or another IPv6 host address fail', () => {
    expect(judged(report({ candidates: [host6], checks: [twin('fail', 'TIMEOUT')] }))['groundTruth.ipv6ServerAnswers/report']).toBe(false);
    expect(judged(report({ candidates: [host6] }))['groundTruth.ipv6ServerAnswers/report']).toBe(false);
    expect(judged(report({ candidates: [{ ...host6, address: '2001:db8:1::99' }] }))['groundTruth.ipv6HostCandidate/report']).toBe(false);
    expect(judged(report({}), { ipv6ClientAddresses: [], ipv6ServerAnswers: false })).toMatchObject({ 'groundTruth.ipv6HostCandidate/lab': false, 'groundTruth.ipv6ServerAnswers/lab': false });
  });
});
