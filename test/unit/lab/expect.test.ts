import { describe, expect, it } from 'vitest';
import { evaluateExpectations, transportOutcome } from '../../../src/lab/expect.js';
import { labCheckConfig } from '../../../src/lab/run.js';
import { parseScenario } from '../../../src/lab/scenario.js';
import type { Check, Report } from '../../../src/report/schema.js';

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

const srflx = (address: string) => ({ url: 'stun:198.18.0.1:3478', type: 'srflx' as const, protocol: 'udp' as const, relayProtocol: null, address, port: 1, elapsedMs: 1 });
const finding = (code: string) => ({ code, severity: 'error' as const, message: 'm', advice: 'a', checkIds: [] });

describe('transportOutcome', () => {
  it('pass if any gather/allocate check passed, fail if none did, absent without checks', () => {
    const r = report({ checks: [check('gather', 'udp', 'fail'), check('turn-allocate', 'udp', 'pass'), check('gather', 'tcp', 'fail'), check('config', 'tls', 'pass')] });
    expect(transportOutcome(r, 'udp')).toBe('pass');
    expect(transportOutcome(r, 'tcp')).toBe('fail');
    expect(transportOutcome(r, 'tls')).toBe('absent');
  });
});

describe('evaluateExpectations', () => {
  const scenario = parseScenario({
    name: 's',
    description: 'd',
    rateLimit: { bitsPerSecond: 4_000_000 },
    secondSite: { nat: { mapping: 'address-and-port-dependent' } },
    nat: { mapping: 'address-and-port-dependent' },
    expect: {
      findings: { present: ['SYMMETRIC_NAT'], absent: ['UDP_BLOCKED'] },
      transports: { udp: 'pass' },
      groundTruth: { srflxIsRouterPublic: true, throughputWithinPercent: 15, relayNeeded: true },
    },
  });
  const facts = { routerPublicIp: '198.18.0.10' };

  it('all pass for a report that says what the scenario expects', () => {
    const r = report({
      findings: [finding('SYMMETRIC_NAT'), finding('RELAY_REQUIRED')],
      checks: [check('gather', 'udp', 'pass')],
      candidates: [srflx('198.18.0.10'), srflx('198.18.0.10')],
      calls: [
        {
          id: 'c', checkId: 'c', policy: 'relay', via: [], transport: 'udp', status: 'pass', code: 'OK', failedPhase: null,
          setup: { totalMs: 1, phases: [] }, selectedPair: null, selectedPairChanges: 0, rttMs: null,
          throughput: { bitsPerSecond: 3_700_000, goodputBitsPerSecond: 3_500_000, bytes: 1, durationMs: 1, samples: [] },
        },
      ],
    });
    const res = evaluateExpectations(scenario, r, facts);
    expect(res.map((x) => x.id).sort()).toEqual(
      ['findings.present.SYMMETRIC_NAT', 'findings.absent.UDP_BLOCKED', 'transports.udp', 'groundTruth.srflxIsRouterPublic', 'groundTruth.throughputWithinPercent', 'groundTruth.relayNeeded'].sort(),
    );
    expect(res.filter((x) => !x.pass)).toEqual([]);
  });

  it('each wrong answer fails its own expectation', () => {
    const r = report({ findings: [finding('UDP_BLOCKED')], checks: [check('gather', 'udp', 'fail')], candidates: [srflx('198.19.1.10')] });
    const failed = evaluateExpectations(scenario, r, facts).filter((x) => !x.pass).map((x) => x.id).sort();
    expect(failed).toEqual(
      ['findings.present.SYMMETRIC_NAT', 'findings.absent.UDP_BLOCKED', 'transports.udp', 'groundTruth.srflxIsRouterPublic', 'groundTruth.throughputWithinPercent', 'groundTruth.relayNeeded'].sort(),
    );
  });

  it('judges the lab measurements on their own', () => {
    const res = evaluateExpectations(scenario, null, { ...facts, measured: { upBitsPerSecond: 5_000_000, mappings: [{ address: '198.18.0.10', port: 1 }, null], directPath: false } });
    expect(res.every((x) => x.source === 'lab')).toBe(true);
    expect(Object.fromEntries(res.map((x) => [x.id, x.pass]))).toEqual({
      'groundTruth.throughputWithinPercent': false,
      'groundTruth.srflxIsRouterPublic': false,
      'groundTruth.relayNeeded': true,
    });
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
