/**
 * RELAY_PORTS_BLOCKED / RELAY_ADDRESS_WRONG from relay-reach checks and the one-sided call, over
 * the healthy fixture with those checks added. Asserts codes, severities and cited ids only.
 */
import { describe, expect, it } from 'vitest';
import { diagnose, resolveOptions } from '../../../src/diagnosis/diagnose.js';
import { relayReach } from '../../../src/diagnosis/rules/relay-reach.js';
import type { Check, Report } from '../../../src/core/schema.js';
import { PROD, load } from './helpers.js';

const reachId = (url: string) => `relay-reach:${url}`;
const ONE_SIDED = 'call:relay-one-side/udp';

function reach(url: string, transport: Check['transport'], code: string, details: Record<string, unknown>): Check {
  const status = code === 'OK' ? 'pass' : code === 'RELAY_ADDRESS_UNVERIFIED' ? 'warn' : code === 'RELAY_NOT_TESTED' ? 'skip' : 'fail';
  return { id: reachId(url), kind: 'relay-reach', target: url, transport, status, code, durationMs: 20, details };
}

const ok = (url: string, t: Check['transport']) => reach(url, t, 'OK', { relayedAddress: '203.0.113.7:50001', relayedPort: 50001, inbound: { sent: 3, received: 3 }, outbound: { sent: 3, received: 3 } });
const blocked = (url: string, t: Check['transport'], port: number, outReceived = 3) =>
  reach(url, t, 'RELAY_UNREACHABLE', { relayedAddress: `203.0.113.7:${port}`, relayedPort: port, inbound: { sent: 3, received: 0 }, outbound: { sent: 3, received: outReceived } });
const notServer = (url: string, t: Check['transport'], cls: string) =>
  reach(url, t, 'RELAY_ADDRESS_NOT_SERVER', { relayedAddress: '192.0.2.99:50002', relayedPort: 50002, relayedAddressClass: cls, relayedAddressRange: '192.0.2.0/24 (RFC 5737)', urlAddresses: ['203.0.113.7'] });

function oneSided(status: 'pass' | 'fail'): Check {
  return {
    id: ONE_SIDED,
    kind: 'call',
    target: PROD.udp,
    transport: 'udp',
    status,
    code: status === 'pass' ? 'OK' : 'ONE_SIDED_CALL_FAILED',
    durationMs: 5000,
    details: status === 'pass' ? { callId: 'relay-one-side-udp' } : { callId: 'relay-one-side-udp', failedPhase: 'ice', reason: 'ICE failed' },
  };
}

function healthyWith(...extra: Check[]): Report {
  const r = load('healthy');
  r.checks.push(...extra);
  return r;
}

const codes = (r: Report) => relayReach(r, resolveOptions()).map((f) => [f.code, f.severity]);

describe('relay-reach rule', () => {
  it('every relay reachable and the one-sided call connected: silent, and the whole run is still ALL_GOOD', () => {
    const r = healthyWith(ok(PROD.udp, 'udp'), ok(PROD.tcp, 'tcp'), ok(PROD.tls, 'tls'), oneSided('pass'));
    expect(codes(r)).toEqual([]);
    expect(diagnose(r).map((f) => f.code)).toEqual(['ALL_GOOD']);
  });

  it('relay range blocked: RELAY_PORTS_BLOCKED once, citing every probe, the failed one-sided call and the relay call that passed', () => {
    const r = healthyWith(blocked(PROD.udp, 'udp', 50010), blocked(PROD.tcp, 'tcp', 50011), blocked(PROD.tls, 'tls', 50012, 0), oneSided('fail'));
    const f = relayReach(r, resolveOptions());
    expect(f.map((x) => [x.code, x.severity])).toEqual([['RELAY_PORTS_BLOCKED', 'error']]);
    expect(f[0]!.checkIds).toEqual(expect.arrayContaining([reachId(PROD.udp), reachId(PROD.tcp), reachId(PROD.tls), ONE_SIDED, 'call:relay/udp']));
    // The full diagnosis: no ALL_GOOD, and the one-sided call is not blamed on something else.
    const all = diagnose(r).map((x) => x.code);
    expect(all).toContain('RELAY_PORTS_BLOCKED');
    expect(all).not.toContain('ALL_GOOD');
    expect(all).not.toContain('RELAY_CALL_FAILED');
    expect(all).not.toContain('CALL_FAILED');
  });

  it('only the outbound direction fails (RELAY_ONE_WAY): RELAY_PORTS_BLOCKED too', () => {
    const c = reach(PROD.udp, 'udp', 'RELAY_ONE_WAY', { relayedAddress: '203.0.113.7:50020', relayedPort: 50020, inbound: { sent: 3, received: 3 }, outbound: { sent: 3, received: 0 } });
    expect(codes(healthyWith(c))).toEqual([['RELAY_PORTS_BLOCKED', 'error']]);
  });

  it('wrong external-ip (documentation/private/reserved): RELAY_ADDRESS_WRONG (error), citing the one-sided call', () => {
    for (const cls of ['private', 'documentation', 'benchmarking']) {
      const f = relayReach(healthyWith(notServer(PROD.udp, 'udp', cls), notServer(PROD.tcp, 'tcp', cls), oneSided('fail')), resolveOptions());
      expect(f.map((x) => [x.code, x.severity])).toEqual([['RELAY_ADDRESS_WRONG', 'error']]);
      expect(f[0]!.checkIds).toEqual(expect.arrayContaining([reachId(PROD.udp), reachId(PROD.tcp), ONE_SIDED]));
    }
  });

  it('a public relayed address other than the URL: RELAY_ADDRESS_WRONG as a warning (not tested)', () => {
    const c = reach(PROD.udp, 'udp', 'RELAY_ADDRESS_UNVERIFIED', { relayedAddress: '198.51.100.4:50003', relayedAddressClass: 'public', urlAddresses: ['203.0.113.7'] });
    expect(codes(healthyWith(c))).toEqual([['RELAY_ADDRESS_WRONG', 'warn']]);
  });

  it('no relay-reach evidence, one-sided call failed while the relay-forced call passed: RELAY_PORTS_BLOCKED from the calls', () => {
    const f = relayReach(healthyWith(oneSided('fail')), resolveOptions());
    expect(f.map((x) => x.code)).toEqual(['RELAY_PORTS_BLOCKED']);
    expect(f[0]!.checkIds).toEqual([ONE_SIDED, 'call:relay/udp']);
  });

  it('one-sided call failed although relay-reach passed: not the relay range (CALL_FAILED)', () => {
    expect(codes(healthyWith(ok(PROD.udp, 'udp'), oneSided('fail')))).toEqual([['CALL_FAILED', 'error']]);
  });

  it('relay-reach not tested (no allocation): silent', () => {
    expect(codes(healthyWith(reach(PROD.udp, 'udp', 'RELAY_NOT_TESTED', {})))).toEqual([]);
  });
});
