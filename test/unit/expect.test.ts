/** CI gates: the grammar (every bad rule reported at once), and a pass/fail matrix over fixture reports. */
import { describe, expect, test } from 'vitest';
import { diagnose } from '../../src/diagnosis/index.js';
import { ConfigError } from '../../src/core/errors.js';
import { evaluateExpectations, expectationFindings, parseBps, parseExpectations, parseMs } from '../../src/run/expect.js';
import { Check, type Report } from '../../src/core/schema.js';
import { load } from './diagnosis/helpers.js';

describe('parseExpectations', () => {
  test.each([
    ['relay:tls', { kind: 'relay', transport: 'tls' }],
    ['relay:UDP', { kind: 'relay', transport: 'udp' }],
    ['setup<500', { kind: 'setup', call: null, maxMs: 500 }],
    ['setup:tls<800ms', { kind: 'setup', call: 'tls', maxMs: 800 }],
    ['setup:all < 1.5s', { kind: 'setup', call: 'all', maxMs: 1500 }],
    ['throughput>5e6', { kind: 'throughput', call: null, minBps: 5e6 }],
    ['throughput:udp>5M', { kind: 'throughput', call: 'udp', minBps: 5e6 }],
    ['throughput>5Mbit', { kind: 'throughput', minBps: 5e6 }],
    ['throughput>5Mbit/s', { kind: 'throughput', minBps: 5e6 }],
    ['throughput>500k', { kind: 'throughput', minBps: 5e5 }],
    ['throughput>1G', { kind: 'throughput', minBps: 1e9 }],
    ['rtt<50', { kind: 'rtt', call: null, maxMs: 50 }],
    ['rtt:tcp<50', { kind: 'rtt', call: 'tcp', maxMs: 50 }],
    ['no-warn', { kind: 'no-warn' }],
    ['no-code:UDP_BLOCKED', { kind: 'no-code', code: 'UDP_BLOCKED' }],
    ['pass:gather:all', { kind: 'pass', checkId: 'gather:all' }],
    ['pass:call:relay/tls', { kind: 'pass', checkId: 'call:relay/tls' }],
  ])('%s', (rule, want) => {
    const [e] = parseExpectations([rule]);
    expect(e).toMatchObject({ ...want, rule: rule.trim() });
  });

  test('every bad rule in one ConfigError, one line each naming the rule', () => {
    const bad = ['relay:quic', 'setup>500', 'setup<fast', 'setup:h3<5', 'throughput<5M', 'throughput>5MB', 'throughput>lots', 'no-code:lower', 'pass:', 'latency<5', ''];
    let err: unknown;
    try {
      parseExpectations(['relay:udp', ...bad, 'no-warn']);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems;
    expect(problems).toHaveLength(bad.length);
    bad.forEach((rule, i) => {
      expect(problems[i]).toContain(`"${rule}"`);
      expect(problems[i]).not.toContain('\n');
    });
  });

  test('the source label names where the rules came from', () => {
    expect(() => parseExpectations(['nope'], { source: 'config iceprobe.expect[0]' })).toThrow(/^config iceprobe\.expect\[0\] "nope": /);
  });

  test('duplicates are kept once (ids stay unique)', () => expect(parseExpectations(['no-warn', 'no-warn', 'relay:tls'])).toHaveLength(2));

  test.each([
    ['500', 500],
    ['500ms', 500],
    ['1.5s', 1500],
    ['0', null],
    ['-5', null],
    ['fast', null],
  ])('parseMs(%s)', (t, v) => expect(parseMs(t)).toBe(v));

  test.each([
    ['5e6', 5e6],
    ['5M', 5e6],
    ['5m', 5e6],
    ['5Mbps', 5e6],
    ['500k', 5e5],
    ['2.5Mbit', 2.5e6],
    ['100', 100],
    ['5MB', null],
    ['x', null],
  ])('parseBps(%s)', (t, v) => expect(parseBps(t)).toBe(v));
});

/** A fixture report with its findings, as check.ts will have it when it evaluates expectations. */
function diagnosed(name: string): Report {
  const r = load(name);
  return { ...r, findings: diagnose(r) };
}

describe('evaluateExpectations: pass/fail matrix', () => {
  const matrix: [fixture: string, rule: string, code: 'OK' | 'EXPECTATION_FAILED' | 'EXPECTATION_UNMEASURED'][] = [
    ['healthy', 'relay:udp', 'OK'],
    ['healthy', 'relay:tls', 'OK'],
    ['udp-blocked', 'relay:udp', 'EXPECTATION_UNMEASURED'], // skipped: no relay candidate over UDP
    ['udp-blocked', 'relay:tcp', 'OK'],
    ['relay-call-failed', 'relay:udp', 'EXPECTATION_FAILED'],
    ['stun-only', 'relay:tls', 'EXPECTATION_UNMEASURED'],
    ['slow-setup', 'relay:tls', 'OK'], // slow, but it connected
    ['healthy', 'setup<500', 'OK'],
    ['healthy', 'setup<200', 'EXPECTATION_FAILED'], // the TLS call took 212.7 ms
    ['healthy', 'setup:udp<200', 'OK'],
    ['slow-setup', 'setup<2000', 'EXPECTATION_FAILED'],
    ['slow-setup', 'setup:tcp<2000', 'OK'],
    ['slow-setup', 'setup:tls<3000', 'EXPECTATION_FAILED'],
    ['udp-blocked', 'setup:udp<1000', 'EXPECTATION_UNMEASURED'],
    ['stun-only', 'setup:tls<1000', 'EXPECTATION_UNMEASURED'],
    ['relay-call-failed', 'setup:udp<1000', 'EXPECTATION_UNMEASURED'], // failed: never set up
    ['healthy', 'throughput>5M', 'OK'],
    // Gates judge the delivered rate (callee goodput): UDP 41.1, TCP 35.6, TLS 33.2 Mbit/s.
    ['healthy', 'throughput>40Mbit', 'EXPECTATION_FAILED'],
    ['healthy', 'throughput:udp>40Mbit', 'OK'],
    ['healthy', 'throughput:udp>45Mbit', 'EXPECTATION_FAILED'], // 48.3 sent, 41.1 delivered
    ['rate-limited', 'throughput>5e6', 'EXPECTATION_FAILED'],
    ['rate-limited', 'throughput:tls>3M', 'OK'],
    ['tcp-443-only', 'throughput:tcp>1M', 'EXPECTATION_UNMEASURED'],
    ['healthy', 'rtt<50', 'OK'],
    ['healthy', 'rtt:tls<20', 'EXPECTATION_FAILED'],
    ['rate-limited', 'rtt:udp<30', 'EXPECTATION_FAILED'],
    ['healthy', 'no-warn', 'OK'],
    ['slow-setup', 'no-warn', 'EXPECTATION_FAILED'], // SLOW_SETUP checks and finding
    ['udp-blocked', 'no-warn', 'EXPECTATION_FAILED'], // warn findings (UDP_BLOCKED) on fail checks
    ['udp-blocked', 'no-code:UDP_BLOCKED', 'EXPECTATION_FAILED'], // a finding code
    ['udp-blocked', 'no-code:TURN_AUTH_FAILED', 'OK'],
    ['wrong-credentials', 'no-code:TURN_AUTH_FAILED', 'EXPECTATION_FAILED'], // check and finding
    ['healthy', 'pass:gather:all', 'EXPECTATION_UNMEASURED'], // one STUN destination: no gather:all
    ['cone-nat', 'pass:gather:all', 'OK'],
    ['symmetric-nat', 'pass:gather:all', 'EXPECTATION_FAILED'], // warn is not pass
    ['turn-down', 'pass:call:all', 'OK'],
  ];
  test.each(matrix)('%s: %s → %s', (fixture, rule, code) => {
    const report = diagnosed(fixture);
    const [c] = evaluateExpectations(report, parseExpectations([rule]));
    expect(c).toBeDefined();
    Check.parse(c);
    expect(c).toMatchObject({ id: `expect:${rule}`, kind: 'expectation', status: code === 'OK' ? 'pass' : 'fail', code });
    expect(c?.details).toMatchObject({ rule });
    expect(c?.details).toHaveProperty('actual');
    expect(c?.details).toHaveProperty('wanted');
  });

  test('one check per rule, in order', () => {
    const checks = evaluateExpectations(diagnosed('healthy'), parseExpectations(['relay:udp', 'setup<1', 'no-warn']));
    expect(checks.map((c) => [c.id, c.status])).toEqual([
      ['expect:relay:udp', 'pass'],
      ['expect:setup<1', 'fail'],
      ['expect:no-warn', 'pass'],
    ]);
  });

  test('actual carries the measured values per call', () => {
    const [c] = evaluateExpectations(diagnosed('slow-setup'), parseExpectations(['setup<2000']));
    expect(c?.details.actual).toMatchObject({ 'call:relay/tls': 3412.5, 'call:relay/udp': 2390.1 });
  });

  test('earlier expectation checks do not count as warnings', () => {
    const r = diagnosed('healthy');
    r.checks.push(...evaluateExpectations(r, parseExpectations(['setup<1'])).map((c) => ({ ...c, status: 'warn' as const })));
    expect(evaluateExpectations(r, parseExpectations(['no-warn']))[0]?.status).toBe('pass');
  });
});

describe('expectationFindings', () => {
  test('one EXPECTATION_FAILED finding citing every failed expectation', () => {
    const checks = evaluateExpectations(diagnosed('udp-blocked'), parseExpectations(['relay:udp', 'relay:tcp', 'no-code:UDP_BLOCKED']));
    const f = expectationFindings(checks);
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ code: 'EXPECTATION_FAILED', severity: 'error', checkIds: ['expect:relay:udp', 'expect:no-code:UDP_BLOCKED'] });
  });
  test('silent when every expectation holds', () => expect(expectationFindings(evaluateExpectations(diagnosed('healthy'), parseExpectations(['relay:tls', 'no-warn'])))).toEqual([]));
});
