/** SYMMETRIC_NAT combines the RFC 5780 nat check and the browser's gather:all view. */
import { describe, expect, test } from 'vitest';
import { diagnose } from '../../../src/diagnosis/diagnose.js';
import { browserMapping, natView, symmetricNat } from '../../../src/diagnosis/rules/nat.js';
import { resolveOptions } from '../../../src/diagnosis/diagnose.js';
import type { Check, Report } from '../../../src/core/schema.js';
import { load } from '../diagnosis/helpers.js';

const NAT_ID = 'nat:stun:198.18.0.1:3478';
const natCheck = (mapping: string, filtering: string, code = 'NAT_ADDRESS_AND_PORT_DEPENDENT_MAPPING', status: Check['status'] = 'warn'): Check => ({
  id: NAT_ID,
  kind: 'nat',
  target: 'stun:198.18.0.1:3478',
  transport: 'udp',
  status,
  code,
  durationMs: 900,
  details: { mapping, filtering, classicLabel: 'symmetric' },
});
const withNat = (r: Report, c: Check) => {
  r.checks.push(c);
  return r;
};

describe('natView (pure)', () => {
  test('both views agree on a symmetric NAT; RFC 5780 gives the precise mapping and the filtering', () => {
    const v = natView(withNat(load('symmetric-nat'), natCheck('address-and-port-dependent', 'address-and-port-dependent')));
    expect(v).toMatchObject({ mapping: 'address-and-port-dependent', filtering: 'address-and-port-dependent', classicLabel: 'symmetric', disagree: false });
    expect(v?.views.map((x) => [x.checkId, x.source, x.mapping])).toEqual([
      [NAT_ID, 'rfc5780', 'address-and-port-dependent'],
      ['gather:all', 'browser', 'address-dependent'],
    ]);
  });
  test('cone NAT from both views', () => {
    const v = natView(withNat(load('cone-nat'), natCheck('endpoint-independent', 'address-and-port-dependent', 'OK', 'pass')));
    expect(v).toMatchObject({ mapping: 'endpoint-independent', classicLabel: 'port-restricted cone', disagree: false });
  });
  test('the browser alone: a lower bound, "address-dependent"', () => {
    expect(natView(load('symmetric-nat'))).toMatchObject({ mapping: 'address-dependent', filtering: null, classicLabel: 'symmetric' });
  });
  test('views that disagree are flagged, and the per-destination observation wins', () => {
    const v = natView(withNat(load('symmetric-nat'), natCheck('endpoint-independent', 'address-and-port-dependent', 'OK', 'pass')));
    expect(v).toMatchObject({ mapping: 'address-dependent', disagree: true });
  });
  test('nothing to say without either view', () => expect(natView(load('healthy'))).toBeNull());

  test('browserMapping: two URLs on the same IP with different ports and different mappings → address-and-port-dependent', () => {
    expect(browserMapping([{ base: 'b', byServer: { 'stun:198.18.0.1:3478': '198.18.0.10:1', 'stun:198.18.0.1:3479': '198.18.0.10:2' } }])).toBe('address-and-port-dependent');
    expect(browserMapping([{ base: 'b', byServer: { 'stun:198.18.0.1:3478': '198.18.0.10:1', 'stun:198.18.0.2:3478': '198.18.0.10:2' } }])).toBe('address-dependent');
    expect(browserMapping([{ base: 'b', byServer: { 'stun:[2001:db8::1]:3478': '[2001:db8::9]:1', 'stun:[2001:db8::1]:3479': '[2001:db8::9]:2' } }])).toBe('address-and-port-dependent');
    expect(browserMapping([])).toBeNull();
  });
});

describe('SYMMETRIC_NAT finding', () => {
  const o = resolveOptions();
  test('one finding citing both checks', () => {
    const f = symmetricNat(withNat(load('symmetric-nat'), natCheck('address-and-port-dependent', 'address-and-port-dependent')), o);
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ code: 'SYMMETRIC_NAT', severity: 'warn' });
    expect([...(f[0]?.checkIds ?? [])].sort()).toEqual(['gather:all', NAT_ID].sort());
  });
  test('RFC 5780 alone', () => {
    const f = symmetricNat(withNat(load('cone-nat'), natCheck('address-dependent', 'address-dependent', 'NAT_ADDRESS_DEPENDENT_MAPPING')), o);
    expect(f.map((x) => x.checkIds)).toEqual([[NAT_ID]]);
  });
  test('a cone NAT from both views: no finding', () => {
    expect(symmetricNat(withNat(load('cone-nat'), natCheck('endpoint-independent', 'address-dependent', 'OK', 'pass')), o)).toEqual([]);
  });
  test('an unsupported server says nothing about the NAT', () => {
    expect(symmetricNat(withNat(load('cone-nat'), natCheck('unknown', 'unknown', 'NAT_UNSUPPORTED_SERVER', 'skip')), o)).toEqual([]);
  });
  test('RELAY_REQUIRED cites the nat check too', () => {
    const f = diagnose(withNat(load('symmetric-nat'), natCheck('address-and-port-dependent', 'address-and-port-dependent')));
    expect(f.find((x) => x.code === 'RELAY_REQUIRED')?.checkIds).toContain(NAT_ID);
  });
});
