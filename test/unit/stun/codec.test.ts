import { describe, expect, it } from 'vitest';
import stun from 'stun';
import {
  AttributeType,
  Method,
  addressAttribute,
  bytesToIp,
  crc32,
  decodeErrorCode,
  decodeMessage,
  decodeMessageType,
  encodeErrorCode,
  encodeMessage,
  encodeMessageType,
  errorCode,
  ipToBytes,
  lifetime,
  readAddress,
  readChangeRequest,
  readErrorCode,
  readLifetime,
  readText,
  readUnknownAttributes,
  changeRequest,
  requestedTransport,
  software,
  unknownAttributes,
  username,
  verifyIntegrity,
  type StunClass,
} from '../../../src/stun/index.js';
import { longTermKey } from '../../../src/core/credentials.js';
import { prng, randomBytesFrom } from './prng.js';

describe('message type (RFC 8489 §5)', () => {
  it.each([
    [Method.Binding, 'request', 0x0001],
    [Method.Binding, 'success', 0x0101],
    [Method.Binding, 'error', 0x0111],
    [Method.Binding, 'indication', 0x0011],
    [Method.Allocate, 'request', 0x0003],
    [Method.Allocate, 'success', 0x0103],
    [Method.Allocate, 'error', 0x0113],
    [Method.Refresh, 'request', 0x0004],
    [Method.Send, 'indication', 0x0016],
    [Method.Data, 'indication', 0x0017],
    [Method.CreatePermission, 'request', 0x0008],
    [Method.ChannelBind, 'success', 0x0109],
  ] as const)('method %i class %s ↔ 0x%s', (method, cls, type) => {
    expect(encodeMessageType(method, cls)).toBe(type);
    expect(decodeMessageType(type)).toEqual({ method, cls });
  });
  it('round-trips every 12-bit method and class', () => {
    for (let m = 0; m < 0x1000; m++)
      for (const c of ['request', 'indication', 'success', 'error'] as StunClass[]) expect(decodeMessageType(encodeMessageType(m, c))).toEqual({ method: m, cls: c });
  });
});

describe('ERROR-CODE (RFC 8489 §14.8)', () => {
  it.each([300, 400, 401, 403, 420, 437, 438, 441, 442, 486, 500, 508, 599, 600, 699])('%i round-trips as class*100+number', (code) => {
    const v = encodeErrorCode({ code, reason: 'why' });
    expect(v[2]).toBe(Math.floor(code / 100));
    expect(v[3]).toBe(code % 100);
    expect(decodeErrorCode(v)).toEqual({ ok: true, value: { code, reason: 'why' } });
  });
  it('reads bytes written by hand: class 4, number 1 is 401, class 4 number 38 is 438', () => {
    expect(decodeErrorCode(Buffer.from([0, 0, 4, 1, 0x55]))).toEqual({ ok: true, value: { code: 401, reason: 'U' } });
    expect(decodeErrorCode(Buffer.from([0, 0, 4, 38]))).toEqual({ ok: true, value: { code: 438, reason: '' } });
  });
  it('rejects bad class/number and short values without throwing', () => {
    expect(decodeErrorCode(Buffer.from([0, 0, 2, 1])).ok).toBe(false);
    expect(decodeErrorCode(Buffer.from([0, 0, 4, 100])).ok).toBe(false);
    expect(decodeErrorCode(Buffer.from([0, 0, 4])).ok).toBe(false);
  });
  it('differs from npm stun, which mis-decodes 401 (documented oracle bug)', () => {
    const raw = encodeMessage({ method: Method.Allocate, cls: 'error', attributes: [errorCode({ code: 401, reason: 'Unauthorized' })] });
    const theirs = stun.decode(raw).getAttribute(AttributeType.ERROR_CODE)?.value as { code: number };
    const ours = decodeMessage(raw);
    expect(ours.ok && readErrorCode(ours.message)).toEqual({ ok: true, value: { code: 401, reason: 'Unauthorized' } });
    expect(theirs.code).not.toBe(401); // if npm stun is ever fixed, this oracle test must be revisited
  });
});

describe('addresses', () => {
  it.each(['0.0.0.0', '198.18.0.1', '255.255.255.255', '::', '::1', '2001:db8::1', 'fe80::1:0:0:1', '2001:db8:0:0:1::', '1::', '1:2:3:4:5:6:7:8'])('%s round-trips in canonical form', (ip) => {
    const b = ipToBytes(ip);
    expect(b).not.toBeNull();
    expect(bytesToIp(b!)).toBe(ip);
  });
  it('parses embedded IPv4 and rejects junk', () => {
    expect(bytesToIp(ipToBytes('::ffff:198.18.0.1')!)).toBe('::ffff:c612:1');
    for (const bad of ['', '1.2.3', '256.1.1.1', '1:2:3:4:5:6:7:8:9', '1::2::3', 'g::1', 'example.com', ':::']) expect(ipToBytes(bad)).toBeNull();
  });
  it.each([
    [AttributeType.XOR_MAPPED_ADDRESS, { family: 4, address: '198.18.0.7', port: 40000 }],
    [AttributeType.XOR_RELAYED_ADDRESS, { family: 6, address: '2001:db8::7', port: 1 }],
    [AttributeType.XOR_PEER_ADDRESS, { family: 4, address: '127.0.0.1', port: 65535 }],
    [AttributeType.MAPPED_ADDRESS, { family: 6, address: '::1', port: 3478 }],
    [AttributeType.OTHER_ADDRESS, { family: 4, address: '198.18.0.2', port: 3479 }],
    [AttributeType.RESPONSE_ORIGIN, { family: 4, address: '198.18.0.1', port: 3478 }],
  ] as const)('attribute 0x%s round-trips', (type, addr) => {
    const tx = Buffer.from('0102030405060708090a0b0c', 'hex');
    const raw = encodeMessage({ method: Method.Binding, cls: 'success', transactionId: tx, attributes: [addressAttribute(type, { ...addr }, tx)] });
    const d = decodeMessage(raw);
    expect(d.ok && readAddress(d.message, type)).toEqual({ ok: true, value: addr });
  });
  it('a malformed address reads as not ok, never throws', () => {
    const raw = encodeMessage({ method: Method.Binding, cls: 'success', attributes: [{ type: AttributeType.XOR_MAPPED_ADDRESS, value: Buffer.from([0, 9, 0, 0, 1, 2, 3, 4]) }] });
    const d = decodeMessage(raw);
    expect(d.ok && readAddress(d.message, AttributeType.XOR_MAPPED_ADDRESS)).toMatchObject({ ok: false });
  });
});

describe('attributes round-trip', () => {
  it('text, lifetime, requested transport, change request, unknown attributes', () => {
    const raw = encodeMessage({
      method: Method.Allocate,
      cls: 'request',
      attributes: [username('ü:user'), software('iceprobe'), lifetime(600), requestedTransport(), changeRequest({ changeIp: true, changePort: true }), unknownAttributes([0x0024, 0x7fff, 0x0001])],
    });
    const d = decodeMessage(raw);
    if (!d.ok) throw new Error(d.error.kind);
    expect(readText(d.message, AttributeType.USERNAME)).toEqual({ ok: true, value: 'ü:user' });
    expect(readText(d.message, AttributeType.SOFTWARE)).toEqual({ ok: true, value: 'iceprobe' });
    expect(readLifetime(d.message)).toEqual({ ok: true, value: 600 });
    expect(d.message.attributes.find((a) => a.type === AttributeType.REQUESTED_TRANSPORT)?.value[0]).toBe(17);
    expect(readChangeRequest(d.message)).toEqual({ ok: true, value: { changeIp: true, changePort: true } });
    expect(readUnknownAttributes(d.message)).toEqual({ ok: true, value: [0x0024, 0x7fff, 0x0001] });
    expect(readText(d.message, AttributeType.REALM)).toBeUndefined();
  });
  it('refuses to build over-long text attributes', () => {
    expect(() => username('x'.repeat(513))).toThrow(RangeError);
  });
});

describe('FINGERPRINT and MESSAGE-INTEGRITY', () => {
  it('crc32 matches the standard check value', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });
  it('a flipped bit invalidates fingerprint and integrity', () => {
    const key = longTermKey('u', 'r', 'p');
    const raw = encodeMessage({ method: Method.Allocate, cls: 'request', attributes: [username('u'), requestedTransport()] }, { integrityKey: key, fingerprint: true });
    const ok = decodeMessage(raw);
    expect(ok.ok && ok.message.fingerprint).toBe('valid');
    expect(ok.ok && verifyIntegrity(ok.message, key)).toBe('valid');
    const bad = Buffer.from(raw);
    bad[25] = bad[25]! ^ 1; // inside USERNAME
    const d = decodeMessage(bad);
    expect(d.ok && d.message.fingerprint).toBe('invalid');
    expect(d.ok && verifyIntegrity(d.message, key)).toBe('invalid');
  });
  it('MESSAGE-INTEGRITY-SHA256 is preferred when present', () => {
    const key = longTermKey('u', 'r', 'p');
    const raw = encodeMessage({ method: Method.Binding, cls: 'request' }, { integrityKey: key, integritySha256Key: key, fingerprint: true });
    const d = decodeMessage(raw);
    expect(d.ok && verifyIntegrity(d.message, key)).toBe('valid');
    expect(d.ok && verifyIntegrity(d.message, Buffer.from('other'))).toBe('invalid');
  });
});

describe('differential against npm stun (where it is correct)', () => {
  it('decodes our Binding/Allocate requests to the same type, id, attributes, MI and FINGERPRINT', () => {
    const rand = prng(7);
    for (let i = 0; i < 200; i++) {
      const key = longTermKey(`user${i}`, 'realm', `pass${i}`);
      const raw = encodeMessage(
        { method: i % 2 ? Method.Binding : Method.Allocate, cls: 'request', attributes: [username(`user${i}`), software('x'.repeat(Math.floor(rand() * 40))), lifetime(i)] },
        { integrityKey: key, fingerprint: true },
      );
      const theirs = stun.decode(raw);
      expect(theirs.type).toBe(raw.readUInt16BE(0));
      expect(Buffer.from(theirs.transactionId).equals(raw.subarray(8, 20))).toBe(true);
      expect(String(theirs.getAttribute(AttributeType.USERNAME)?.value)).toBe(`user${i}`);
      expect(theirs.getAttribute(AttributeType.LIFETIME)?.value).toBe(i);
      expect(stun.validateFingerprint(theirs)).toBe(true);
      expect(stun.validateMessageIntegrity(theirs, key)).toBe(true);
    }
  });
  it('decodes messages npm stun encoded', () => {
    const m = stun.createMessage(stun.constants.STUN_BINDING_REQUEST!);
    m.addAttribute(AttributeType.SOFTWARE, 'oracle');
    m.addFingerprint();
    const d = decodeMessage(m.toBuffer());
    if (!d.ok) throw new Error(d.error.kind);
    expect(d.message.method).toBe(Method.Binding);
    expect(readText(d.message, AttributeType.SOFTWARE)).toEqual({ ok: true, value: 'oracle' });
    expect(d.message.fingerprint).toBe('valid');
  });
});

describe('decoder on hostile input (seeded fuzz)', () => {
  const valid = encodeMessage(
    { method: Method.Allocate, cls: 'success', attributes: [software('coturn'), lifetime(600), errorCode({ code: 438, reason: 'Stale Nonce' })] },
    { integrityKey: Buffer.from('k'), fingerprint: true },
  );
  const readAll = (b: Buffer) => {
    const d = decodeMessage(b);
    if (!d.ok) return d.error.kind;
    for (const t of Object.values(AttributeType)) {
      readText(d.message, t);
      readAddress(d.message, t);
    }
    readErrorCode(d.message);
    readLifetime(d.message);
    readUnknownAttributes(d.message);
    verifyIntegrity(d.message, Buffer.from('k'));
    return 'ok';
  };

  it('5000 random buffers never throw and are rejected with a typed reason', () => {
    const rand = prng(1);
    const kinds = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const b = randomBytesFrom(rand, Math.floor(rand() * 120));
      if (i % 3 === 0 && b.length >= 8) b.writeUInt32BE(0x2112a442, 4);
      if (i % 3 === 0 && b.length >= 1) b[0] = b[0]! & 0x3f;
      expect(() => kinds.add(readAll(b))).not.toThrow();
    }
    expect(kinds.has('TOO_SHORT') && kinds.has('NOT_STUN') && kinds.has('BAD_MAGIC_COOKIE') && kinds.has('BAD_LENGTH')).toBe(true);
  });

  it('5000 mutations of a valid message never throw', () => {
    const rand = prng(2);
    const outcomes = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const b = Buffer.from(valid);
      const flips = 1 + Math.floor(rand() * 4);
      for (let f = 0; f < flips; f++) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
      const cut = rand() < 0.2 ? b.subarray(0, Math.floor(rand() * b.length)) : b;
      expect(() => outcomes.add(readAll(Buffer.from(cut)))).not.toThrow();
    }
    expect(outcomes.has('ok')).toBe(true);
    expect(outcomes.size).toBeGreaterThan(3);
  });

  it('attribute length lying past the end is TRUNCATED_ATTRIBUTE', () => {
    const b = Buffer.from(valid);
    b.writeUInt16BE(0xfff0, 22);
    expect(decodeMessage(b)).toMatchObject({ ok: false, error: { kind: 'TRUNCATED_ATTRIBUTE' } });
  });
  it('FINGERPRINT not last is rejected', () => {
    const raw = encodeMessage({ method: Method.Binding, cls: 'request', attributes: [{ type: AttributeType.FINGERPRINT, value: Buffer.alloc(4) }, software('x')] });
    expect(decodeMessage(raw)).toMatchObject({ ok: false, error: { kind: 'BAD_FINGERPRINT_PLACEMENT' } });
  });
});
