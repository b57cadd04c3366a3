/** core/nat.ts: the classic NAT label and the one reading of `gather:all`, shared by probe, browser, diagnosis and lab. */
import { describe, expect, test } from 'vitest';
import { classicNatLabel, gatherAllMappings, isSymmetricMapping } from '../../src/core/nat.js';
import { GATHER_ALL_ID } from '../../src/core/ids.js';
import type { Candidate } from '../../src/core/schema.js';

describe('classicNatLabel', () => {
  test.each([
    ['endpoint-independent', 'endpoint-independent', true, 'full cone'],
    ['endpoint-independent', 'address-dependent', true, 'restricted cone'],
    ['endpoint-independent', 'address-and-port-dependent', true, 'port-restricted cone'],
    ['endpoint-independent', 'unknown', true, 'unknown'],
    ['endpoint-independent', null, true, 'unknown'],
    ['address-dependent', 'endpoint-independent', true, 'symmetric'],
    ['address-and-port-dependent', 'address-and-port-dependent', true, 'symmetric'],
    ['address-and-port-dependent', null, true, 'symmetric'],
    ['unknown', 'endpoint-independent', true, 'unknown'],
    ['endpoint-independent', 'endpoint-independent', false, 'open (no NAT, no filtering)'],
    ['endpoint-independent', 'unknown', false, 'no NAT'],
    ['endpoint-independent', null, false, 'no NAT'],
    ['endpoint-independent', 'address-and-port-dependent', false, 'firewalled (no NAT)'],
  ] as const)('(%s, %s, NAT present: %s) = %s', (m, f, present, label) => expect(classicNatLabel(m, f, present)).toBe(label));

  test('symmetric means a mapping per destination', () => {
    expect(['endpoint-independent', 'address-dependent', 'address-and-port-dependent', 'unknown'].filter(isSymmetricMapping)).toEqual(['address-dependent', 'address-and-port-dependent']);
  });
});

describe('gatherAllMappings', () => {
  const srflx = (url: string, port: number, base: Partial<Candidate> = {}, checkId = GATHER_ALL_ID): Candidate => ({
    url,
    checkId,
    type: 'srflx',
    protocol: 'udp',
    relayProtocol: null,
    address: '198.18.0.1',
    port,
    relatedAddress: '198.19.0.2',
    relatedPort: 5000,
    elapsedMs: 1,
    ...base,
  });
  const A = 'stun:a.test:3478';
  const B = 'stun:b.test:3478';

  test('one socket, a different public port per server: differing', () => {
    const r = gatherAllMappings([srflx(A, 40_000), srflx(B, 40_001)]);
    expect(r.mappings).toEqual([{ base: '198.19.0.2:5000', byServer: { [A]: '198.18.0.1:40000', [B]: '198.18.0.1:40001' } }]);
    expect(r.differing).toEqual(r.mappings);
  });

  test('the same public port for every server: a mapping, not differing', () => {
    const r = gatherAllMappings([srflx(A, 40_000), srflx(B, 40_000)]);
    expect(r.mappings).toHaveLength(1);
    expect(r.differing).toEqual([]);
  });

  test('two sockets are two mappings: different ports across sockets are not per-destination', () => {
    const r = gatherAllMappings([srflx(A, 40_000), srflx(B, 40_001, { relatedPort: 5001 })]);
    expect(r.mappings).toHaveLength(2);
    expect(r.differing).toEqual([]);
  });

  test('left out: other checks\' candidates, srflx without a base or a mapped address, other types', () => {
    const r = gatherAllMappings([
      srflx(A, 40_000, {}, `gather:${A}`),
      srflx(B, 40_001, {}, `gather:${B}`),
      srflx(A, 40_002, { relatedAddress: null }),
      srflx(B, 40_003, { relatedPort: undefined }),
      srflx(A, 40_004, { port: null }),
      { ...srflx(B, 40_005), type: 'relay' },
    ]);
    expect(r).toEqual({ mappings: [], differing: [] });
  });
});
