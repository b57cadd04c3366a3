import { describe, expect, it } from 'vitest';
import { parseIceUri } from '../../src/core/uri.js';

describe('parseIceUri: valid (RFC 7064 / RFC 7065)', () => {
  it.each([
    ['stun:stun.example.com', 'stun', 'stun.example.com', 3478, 'udp', 'stun:stun.example.com:3478'],
    ['stun:stun.example.com:19302', 'stun', 'stun.example.com', 19302, 'udp', 'stun:stun.example.com:19302'],
    ['stuns:stun.example.com', 'stuns', 'stun.example.com', 5349, 'tls', 'stuns:stun.example.com:5349'],
    ['turn:turn.example.com', 'turn', 'turn.example.com', 3478, 'udp', 'turn:turn.example.com:3478?transport=udp'],
    ['turn:turn.example.com?transport=tcp', 'turn', 'turn.example.com', 3478, 'tcp', 'turn:turn.example.com:3478?transport=tcp'],
    ['TURN:turn.example.com:80?transport=TCP', 'turn', 'turn.example.com', 80, 'tcp', 'turn:turn.example.com:80?transport=tcp'],
    ['turns:turn.example.com:443?transport=tcp', 'turns', 'turn.example.com', 443, 'tls', 'turns:turn.example.com:443?transport=tcp'],
    ['turns:turn.example.com', 'turns', 'turn.example.com', 5349, 'tls', 'turns:turn.example.com:5349?transport=tcp'],
    ['turn:198.18.0.1:3478', 'turn', '198.18.0.1', 3478, 'udp', 'turn:198.18.0.1:3478?transport=udp'],
    ['turn:[2001:db8::1]:3478?transport=udp', 'turn', '2001:db8::1', 3478, 'udp', 'turn:[2001:db8::1]:3478?transport=udp'],
    ['stun:[::1]', 'stun', '::1', 3478, 'udp', 'stun:[::1]:3478'],
    ['turn:[2001:db8::198.18.0.1]:65535', 'turn', '2001:db8::198.18.0.1', 65535, 'udp', 'turn:[2001:db8::198.18.0.1]:65535?transport=udp'],
    ['  stun:a.test  ', 'stun', 'a.test', 3478, 'udp', 'stun:a.test:3478'],
  ])('%s', (input, scheme, host, port, transport, canonical) => {
    const r = parseIceUri(input);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.uri).toMatchObject({ scheme, host, port, transport, canonical });
  });

  it('records what was explicit and the IP version', () => {
    const r = parseIceUri('turn:[2001:db8::1]?transport=tcp');
    expect(r.ok && r.uri).toMatchObject({ explicitPort: false, explicitTransport: true, ipVersion: 6, isTurn: true });
    const s = parseIceUri('stun:198.18.0.1:1');
    expect(s.ok && s.uri).toMatchObject({ explicitPort: true, explicitTransport: false, ipVersion: 4, isTurn: false });
    const n = parseIceUri('stun:stun.example.com');
    expect(n.ok && n.uri.ipVersion).toBeNull();
  });
});

describe('parseIceUri: invalid', () => {
  it.each([
    ['', 'empty'],
    ['stun.example.com', 'no scheme'],
    ['http://example.com', 'unknown scheme'],
    ['turn://turn.example.com', 'authority slashes'],
    ['turn:', 'empty host'],
    ['turn::3478', 'empty host with port'],
    ['turn:turn.example.com:0', 'port 0'],
    ['turn:turn.example.com:65536', 'port too large'],
    ['turn:turn.example.com:abc', 'port not a number'],
    ['turn:turn.example.com:', 'empty port'],
    ['turn:2001:db8::1', 'unbracketed IPv6'],
    ['turn:[2001:db8::1', 'unclosed bracket'],
    ['turn:[not-ipv6]:3478', 'bad IPv6 literal'],
    ['turn:[2001:db8::1]x', 'junk after literal'],
    ['turn:256.1.1.1', 'bad IPv4'],
    ['turn:1.2.3', 'short dotted number'],
    ['turn:turn.example.com?transport=sctp', 'unknown transport'],
    ['turn:turn.example.com?foo=bar', 'unknown parameter'],
    ['turns:turn.example.com?transport=udp', 'DTLS'],
    ['stun:stun.example.com?transport=tcp', 'query on stun'],
    ['turn:exa mple.com', 'space in host'],
    ['turn:-bad.example.com', 'label starts with hyphen'],
  ])('%s (%s)', (input) => {
    const r = parseIceUri(input);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    // Every problem names the input it is about, on one line.
    expect(r.problem).toContain(`"${input.trim()}"`);
    expect(r.problem).not.toContain('\n');
  });
});
