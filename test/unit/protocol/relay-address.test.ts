/** Classifying a TURN server's relayed address, and the guard that decides where the probe may send. */
import { describe, expect, it } from 'vitest';
import { classifyAddress, judgeRelayedAddress, maySendTo, SPECIAL_RANGES } from '../../../src/probes-node/relay-address.js';

/** The first usable address of a table range (no private literal written in the tests). */
const inside = (rfc: string) =>
  SPECIAL_RANGES.filter((r) => r.rfc === rfc && !r.net.includes(':')).map((r) => {
    const o = r.net.split('.').map(Number);
    o[3] = 1;
    return o.join('.');
  });

describe('classifyAddress', () => {
  it('names the special-purpose ranges', () => {
    expect(classifyAddress('127.0.0.1')).toEqual({ cls: 'loopback', range: '127.0.0.0/8 (RFC 1122)' });
    expect(classifyAddress('::1').cls).toBe('loopback');
    expect(classifyAddress('198.18.0.1').cls).toBe('benchmarking');
    expect(classifyAddress('198.19.255.1').cls).toBe('benchmarking');
    expect(classifyAddress('192.0.2.44')).toEqual({ cls: 'documentation', range: '192.0.2.0/24 (RFC 5737)' });
    expect(classifyAddress('203.0.113.5').cls).toBe('documentation');
    expect(classifyAddress('2001:db8::5').cls).toBe('documentation');
    expect(classifyAddress('fd00::2').cls).toBe('private');
    expect(classifyAddress('fe80::1').cls).toBe('link-local');
    expect(classifyAddress('0.0.0.0').cls).toBe('unspecified');
    expect(classifyAddress('::ffff:127.0.0.1').cls).toBe('loopback');
    expect(classifyAddress('not-an-ip').cls).toBe('reserved');
    for (const a of inside('RFC 1918')) expect(classifyAddress(a).cls).toBe('private');
    expect(inside('RFC 1918')).toHaveLength(3);
    for (const a of inside('RFC 6598')) expect(classifyAddress(a).cls).toBe('shared');
  });
  it('prefix boundaries are exact', () => {
    // 198.18.0.0/15 ends at 198.19.255.255; 198.20.0.0 is outside it.
    expect(classifyAddress('198.20.0.1').cls).not.toBe('benchmarking');
    expect(classifyAddress('198.17.255.255').cls).not.toBe('benchmarking');
  });
});

describe('judgeRelayedAddress', () => {
  it('an address the URL resolves to is the server; loopback for a loopback server too', () => {
    expect(judgeRelayedAddress('198.18.0.1', ['198.18.0.1']).kind).toBe('server');
    expect(judgeRelayedAddress('127.0.0.2', ['127.0.0.1']).kind).toBe('server');
  });
  it('anything else is not the server, with its class and the URL addresses', () => {
    expect(judgeRelayedAddress('198.18.0.99', ['198.18.0.1'])).toEqual({ kind: 'not-server', address: '198.18.0.99', cls: 'benchmarking', range: '198.18.0.0/15 (RFC 2544)', urlAddresses: ['198.18.0.1'] });
    expect(judgeRelayedAddress('127.0.0.1', ['198.18.0.1'])).toMatchObject({ kind: 'not-server', cls: 'loopback' });
  });
});

describe('maySendTo (the send guard)', () => {
  it('sends to loopback, lab addresses and what the URL names', () => {
    expect(maySendTo('127.0.0.1', [])).toBe(true);
    expect(maySendTo('198.18.0.1', [])).toBe(true);
    expect(maySendTo('2001:db8::1', ['2001:db8::1'])).toBe(true);
  });
  it('never to a private, documentation or reserved address the URL does not name', () => {
    for (const a of [...inside('RFC 1918'), ...inside('RFC 6598'), 'fd00::2', 'fe80::1', '192.0.2.1', '2001:db8::9', '0.0.0.0', '224.0.0.1', 'garbage']) {
      expect(maySendTo(a, ['198.18.0.1']), a).toBe(false);
    }
  });
});
