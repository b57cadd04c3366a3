/**
 * RFC 5769 test vectors, byte for byte: decode each, check every field, and re-encode from the
 * decoded values to the identical bytes.
 */
import { describe, expect, it } from 'vitest';
import { longTermKey } from '../../../src/core/credentials.js';
import {
  AttributeType,
  Method,
  decodeMessage,
  encodeMessage,
  readAddress,
  readText,
  saslprep,
  software,
  addressAttribute,
  username as usernameAttr,
  nonce as nonceAttr,
  realm as realmAttr,
  verifyIntegrity,
  type StunMessage,
} from '../../../src/stun/index.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
/** RFC 8489 §9.1.2: a short-term credential's key is the OpaqueString-processed password (iceprobe itself only uses long-term credentials). */
const shortTermKey = (password: string) => Buffer.from(saslprep(password) ?? password, 'utf8');

// RFC 5769 §2.1 Sample Request
const REQUEST = hex(`
  00 01 00 58 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
  80 22 00 10 53 54 55 4e 20 74 65 73 74 20 63 6c 69 65 6e 74
  00 24 00 04 6e 00 01 ff
  80 29 00 08 93 2f f9 b1 51 26 3b 36
  00 06 00 09 65 76 74 6a 3a 68 36 76 59 20 20 20
  00 08 00 14 9a ea a7 0c bf d8 cb 56 78 1e f2 b5 b2 d3 f2 49 c1 b5 71 a2
  80 28 00 04 e5 7a 3b cf`);
// RFC 5769 §2.2 Sample IPv4 Response
const RESPONSE_V4 = hex(`
  01 01 00 3c 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
  80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20
  00 20 00 08 00 01 a1 47 e1 12 a6 43
  00 08 00 14 2b 91 f5 99 fd 9e 90 c3 8c 74 89 f9 2a f9 ba 53 f0 6b e7 d7
  80 28 00 04 c0 7d 4c 96`);
// RFC 5769 §2.3 Sample IPv6 Response
const RESPONSE_V6 = hex(`
  01 01 00 48 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
  80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20
  00 20 00 14 00 02 a1 47 01 13 a9 fa a5 d3 f1 79 bc 25 f4 b5 be d2 b9 d9
  00 08 00 14 a3 82 95 4e 4b e6 7b f1 17 84 c9 7c 82 92 c2 75 bf e3 ed 41
  80 28 00 04 c8 fb 0b 4c`);
// RFC 5769 §2.4 Sample Request with Long-Term Authentication
const LONG_TERM = hex(`
  00 01 00 60 21 12 a4 42 78 ad 34 33 c6 ad 72 c0 29 da 41 2e
  00 06 00 12 e3 83 9e e3 83 88 e3 83 aa e3 83 83 e3 82 af e3 82 b9 00 00
  00 15 00 1c 66 2f 2f 34 39 39 6b 39 35 34 64 36 4f 4c 33 34 6f 4c 39 46 53 54 76 79 36 34 73 41
  00 14 00 0b 65 78 61 6d 70 6c 65 2e 6f 72 67 00
  00 08 00 14 f6 70 24 65 6d d6 4a 3e 02 b8 e0 71 2e 85 c9 a2 8c a8 96 66`);

const SHORT_TERM_PASSWORD = 'VOkJxbRl1RmTxUk/WvJxBt';

function decoded(b: Buffer): StunMessage {
  const r = decodeMessage(b);
  if (!r.ok) throw new Error(`vector did not decode: ${r.error.kind} ${r.error.detail}`);
  return r.message;
}

describe('RFC 5769 §2.1 sample request', () => {
  const m = decoded(REQUEST);
  it('decodes every field', () => {
    expect(m.method).toBe(Method.Binding);
    expect(m.cls).toBe('request');
    expect(m.transactionId.toString('hex')).toBe('b7e7a701bc34d686fa87dfae');
    expect(readText(m, AttributeType.SOFTWARE)).toEqual({ ok: true, value: 'STUN test client' });
    expect(readText(m, AttributeType.USERNAME)).toEqual({ ok: true, value: 'evtj:h6vY' });
    expect(m.fingerprint).toBe('valid');
    expect(verifyIntegrity(m, shortTermKey(SHORT_TERM_PASSWORD))).toBe('valid');
    expect(verifyIntegrity(m, shortTermKey('wrong'))).toBe('invalid');
  });
  it('re-encodes to the same bytes', () => {
    const attrs = m.attributes.filter((a) => a.type !== AttributeType.MESSAGE_INTEGRITY && a.type !== AttributeType.FINGERPRINT);
    const out = encodeMessage(
      { method: m.method, cls: m.cls, transactionId: m.transactionId, attributes: attrs },
      { integrityKey: shortTermKey(SHORT_TERM_PASSWORD), fingerprint: true, paddingByte: 0x20 },
    );
    expect(out.equals(REQUEST)).toBe(true);
  });
});

describe.each([
  ['§2.2 IPv4', RESPONSE_V4, { family: 4, address: '192.0.2.1', port: 32853 }],
  ['§2.3 IPv6', RESPONSE_V6, { family: 6, address: '2001:db8:1234:5678:11:2233:4455:6677', port: 32853 }],
] as const)('RFC 5769 %s response', (_name, bytes, mapped) => {
  const m = decoded(bytes);
  it('decodes every field', () => {
    expect(m.method).toBe(Method.Binding);
    expect(m.cls).toBe('success');
    expect(readText(m, AttributeType.SOFTWARE)).toEqual({ ok: true, value: 'test vector' });
    expect(readAddress(m, AttributeType.XOR_MAPPED_ADDRESS)).toEqual({ ok: true, value: mapped });
    expect(m.fingerprint).toBe('valid');
    expect(verifyIntegrity(m, shortTermKey(SHORT_TERM_PASSWORD))).toBe('valid');
  });
  it('re-encodes from typed values to the same bytes', () => {
    const out = encodeMessage(
      {
        method: Method.Binding,
        cls: 'success',
        transactionId: m.transactionId,
        attributes: [software('test vector'), addressAttribute(AttributeType.XOR_MAPPED_ADDRESS, { ...mapped }, m.transactionId)],
      },
      { integrityKey: shortTermKey(SHORT_TERM_PASSWORD), fingerprint: true, paddingByte: 0x20 },
    );
    expect(out.equals(bytes)).toBe(true);
  });
});

describe('RFC 5769 §2.4 long-term authentication', () => {
  const m = decoded(LONG_TERM);
  const user = '\u30DE\u30C8\u30EA\u30C3\u30AF\u30B9';
  const password = 'The\u00ADM\u00AAtr\u2168';
  const key = longTermKey(saslprep(user)!, 'example.org', saslprep(password)!);

  it('SASLprep maps the password to "TheMatrIX"', () => {
    expect(saslprep(password)).toBe('TheMatrIX');
    expect(saslprep(user)).toBe(user);
  });
  it('decodes and validates with key = MD5(SASLprep(user):realm:SASLprep(password))', () => {
    expect(readText(m, AttributeType.USERNAME)).toEqual({ ok: true, value: user });
    expect(readText(m, AttributeType.NONCE)).toEqual({ ok: true, value: 'f//499k954d6OL34oL9FSTvy64sA' });
    expect(readText(m, AttributeType.REALM)).toEqual({ ok: true, value: 'example.org' });
    expect(key.toString('hex')).toBe(longTermKey(user, 'example.org', 'TheMatrIX').toString('hex'));
    expect(verifyIntegrity(m, key)).toBe('valid');
    expect(m.fingerprint).toBe('absent');
  });
  it('re-encodes to the same bytes', () => {
    const out = encodeMessage(
      { method: Method.Binding, cls: 'request', transactionId: m.transactionId, attributes: [usernameAttr(user), nonceAttr('f//499k954d6OL34oL9FSTvy64sA'), realmAttr('example.org')] },
      { integrityKey: key },
    );
    expect(out.equals(LONG_TERM)).toBe(true);
  });
});

describe('SASLprep (RFC 4013)', () => {
  it.each([
    ['I\u00ADX', 'IX'], // B.1 soft hyphen mapped to nothing
    ['user', 'user'],
    ['a\u00A0b', 'a b'], // C.1.2 non-ASCII space
    ['\u00AA', 'a'], // NFKC
    ['\u2168', 'IX'],
  ])('%j → %j', (input, out) => {
    expect(saslprep(input)).toBe(out);
  });
  it.each(['\u0007', 'a\u200Eb', '\uE000', '\uD800'])('prohibited %j → null', (input) => {
    expect(saslprep(input)).toBeNull();
  });
});
