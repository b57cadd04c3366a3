import { describe, expect, it } from 'vitest';
import { CALL_ALL_ID, checkId, engineId, checkIdUrl, GATHER_ALL_ID, isRelayCallId, parseCheckId, parseDualStackId, tlsTarget } from '../../src/core/ids.js';

const url = 'turn:turn.example.com:3478?transport=udp';

describe('check ids (src/core/ids.ts)', () => {
  it('spells every id the way reports have always carried it', () => {
    expect(checkId.gather(url)).toBe(`gather:${url}`);
    expect(checkId.gatherAll()).toBe('gather:all');
    expect(checkId.call('tcp')).toBe('call:relay/tcp');
    expect(checkId.call(null)).toBe('call:all');
    expect(checkId.turnAllocate(url)).toBe(`turn-allocate:${url}`);
    expect(checkId.stunBinding('stun:stun.example.com:3478')).toBe('stun-binding:stun:stun.example.com:3478');
    expect(checkId.relayReach(url)).toBe(`relay-reach:${url}`);
    expect(parseCheckId(checkId.relayReach(url))).toEqual({ kind: 'relay-reach', url, ipv6: false, engine: 'chromium' });
    expect(checkId.nodeProbe(url, true)).toBe(`turn-allocate:${url}`);
    expect(checkId.nodeProbe('stun:h.test:3478', false)).toBe('stun-binding:stun:h.test:3478');
    expect(checkId.tls('turn.example.com', 443)).toBe('tls-handshake:turn.example.com:443');
    expect(checkId.tls('::1', 5349)).toBe('tls-handshake:[::1]:5349');
    expect(tlsTarget('::1', 5349)).toBe('[::1]:5349');
    expect(checkId.dns('turn.example.com')).toBe('dns:turn.example.com');
    expect(checkId.nat('stun:h.test:3478')).toBe('nat:stun:h.test:3478');
    expect(checkId.pathQuality('stun:h.test:3478')).toBe('path-quality:stun:h.test:3478');
    expect(checkId.portPolicy(url)).toBe(`config:port-policy:${url}`);
    expect(checkId.turnsPort(url)).toBe(`config:turns-port:${url}`);
    expect(checkId.turnConfigured()).toBe('config:turn');
    expect(checkId.tcpTlsRelay()).toBe('config:tcp-tls-relay');
    expect(checkId.expectation('relay:udp')).toBe('expect:relay:udp');
    expect(checkId.media()).toBe('media');
    expect(checkId.ipv6Twin(checkId.turnAllocate(url))).toBe(`turn-allocate:${url}@ipv6`);
  });

  it('parses what it builds, twins as their primary', () => {
    expect(parseCheckId(checkId.gather(url))).toEqual({ kind: 'gather', url, ipv6: false, engine: 'chromium' });
    expect(parseCheckId(GATHER_ALL_ID)).toEqual({ kind: 'gather-all', ipv6: false, engine: 'chromium' });
    expect(parseCheckId(CALL_ALL_ID)).toEqual({ kind: 'call', transport: null, ipv6: false, engine: 'chromium' });
    expect(parseCheckId(checkId.call('tls'))).toEqual({ kind: 'call', transport: 'tls', ipv6: false, engine: 'chromium' });
    expect(parseCheckId(checkId.ipv6Twin(checkId.stunBinding('stun:h.test:3478')))).toEqual({ kind: 'stun-binding', url: 'stun:h.test:3478', ipv6: true, engine: 'chromium' });
    expect(parseCheckId(checkId.tls('::1', 5349))).toEqual({ kind: 'tls-handshake', target: '[::1]:5349', ipv6: false, engine: 'chromium' });
    expect(parseCheckId(checkId.dns('h.test'))).toEqual({ kind: 'dns', host: 'h.test', ipv6: false, engine: 'chromium' });
    expect(parseCheckId(checkId.turnsPort(url))).toEqual({ kind: 'config', rule: 'turns-port', url, ipv6: false, engine: 'chromium' });
    expect(parseCheckId(checkId.turnConfigured())).toEqual({ kind: 'config', rule: 'turn', ipv6: false, engine: 'chromium' });
    expect(parseCheckId(checkId.tcpTlsRelay())).toEqual({ kind: 'config', rule: 'tcp-tls-relay', ipv6: false, engine: 'chromium' });
    expect(parseCheckId(checkId.expectation('setup<500'))).toEqual({ kind: 'expectation', rule: 'setup<500', ipv6: false, engine: 'chromium' });
    expect(parseCheckId('media')).toEqual({ kind: 'media', ipv6: false, engine: 'chromium' });
  });

  it('parses another engine\'s check as Chromium\'s, with its engine', () => {
    expect(parseCheckId(engineId(checkId.call('tls'), 'firefox'))).toEqual({ kind: 'call', transport: 'tls', ipv6: false, engine: 'firefox' });
    expect(checkIdUrl(engineId(checkId.gather(url), 'firefox'))).toBe(url);
    expect(engineId(checkId.gather(url), 'chromium')).toBe(checkId.gather(url));
  });

  it('refuses ids no producer makes', () => {
    for (const bad of ['', 'gather:', 'call:relay/sctp', 'call:relay/', 'config:other:x', 'config:turns-port:', 'bogus:x', '@ipv6', 'nat']) {
      expect(parseCheckId(bad), bad).toBeNull();
    }
    expect(parseDualStackId('@ipv6')).toBeNull();
    expect(parseDualStackId('dns:h.test')).toBeNull();
  });

  it('names the URL a check is about, and tells relay calls apart', () => {
    expect(checkIdUrl(checkId.portPolicy(url))).toBe(url);
    expect(checkIdUrl(checkId.ipv6Twin(checkId.turnAllocate(url)))).toBe(url);
    expect(checkIdUrl(checkId.dns('h.test'))).toBeNull();
    expect(checkIdUrl(CALL_ALL_ID)).toBeNull();
    expect(isRelayCallId(checkId.call('udp'))).toBe(true);
    expect(isRelayCallId(CALL_ALL_ID)).toBe(false);
    expect(isRelayCallId(checkId.gather(url))).toBe(false);
  });
});

describe('the one-sided call id', () => {
  it('builds and parses call:relay-one-side/<transport>, apart from the relay-forced calls', () => {
    expect(checkId.oneSidedCall('udp')).toBe('call:relay-one-side/udp');
    expect(parseCheckId('call:relay-one-side/tcp')).toMatchObject({ kind: 'one-sided-call', transport: 'tcp' });
    expect(parseCheckId('call:relay-one-side/bogus')).toBeNull();
    expect(isRelayCallId('call:relay-one-side/udp')).toBe(false);
  });
});
