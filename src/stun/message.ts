/**
 * STUN message encode/decode (RFC 8489 §5, §14). Pure: bytes in, typed values out.
 *
 * `decodeMessage` never throws, whatever the input: it returns `{ ok: false, error }` with a
 * typed reason. Attribute values are kept raw; `attributes.ts` has the typed readers.
 */
import { FINGERPRINT_ATTR_LENGTH, fingerprintValue } from './fingerprint.js';
import { AttributeType } from './attribute-types.js';
import {
  HEADER_LENGTH,
  MAGIC_COOKIE,
  TRANSACTION_ID_LENGTH,
  decodeMessageType,
  encodeMessageType,
  newTransactionId,
  type StunClass,
} from './header.js';
import { MESSAGE_INTEGRITY_LENGTH, MESSAGE_INTEGRITY_SHA256_LENGTH, constantTimeEqual, integrityHmac, type IntegrityAlgorithm } from './integrity.js';

export interface RawAttribute {
  type: number;
  value: Buffer;
  /** Offset of the attribute header within the message. */
  offset: number;
}

export interface StunMessage {
  method: number;
  cls: StunClass;
  transactionId: Buffer;
  attributes: RawAttribute[];
  /** The whole message as received/encoded. */
  raw: Buffer;
  /** FINGERPRINT: absent, or whether its CRC matches (RFC 8489 §14.7). */
  fingerprint: 'absent' | 'valid' | 'invalid';
}

export type DecodeErrorKind =
  | 'TOO_SHORT' // fewer than 20 bytes
  | 'NOT_STUN' // first two bits not zero (RFC 8489 §5) — e.g. TLS, HTTP, ChannelData, garbage
  | 'BAD_MAGIC_COOKIE' // RFC 3489-era or garbage
  | 'BAD_LENGTH' // length not a multiple of 4, or not matching the buffer
  | 'TRUNCATED_ATTRIBUTE' // an attribute runs past the end
  | 'BAD_FINGERPRINT_PLACEMENT'; // FINGERPRINT not last, or of the wrong size

export interface DecodeError {
  kind: DecodeErrorKind;
  detail: string;
}

export type DecodeResult = { ok: true; message: StunMessage } | { ok: false; error: DecodeError };

const fail = (kind: DecodeErrorKind, detail: string): DecodeResult => ({ ok: false, error: { kind, detail } });

export function decodeMessage(input: Uint8Array): DecodeResult {
  const buf = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  if (buf.length < HEADER_LENGTH) return fail('TOO_SHORT', `${buf.length} bytes, a STUN header is 20`);
  if ((buf[0]! & 0xc0) !== 0) return fail('NOT_STUN', `first byte 0x${buf[0]!.toString(16)} has the top two bits set`);
  const cookie = buf.readUInt32BE(4);
  if (cookie !== MAGIC_COOKIE) return fail('BAD_MAGIC_COOKIE', `magic cookie 0x${cookie.toString(16).padStart(8, '0')}, expected 0x2112a442`);
  const length = buf.readUInt16BE(2);
  if (length % 4 !== 0) return fail('BAD_LENGTH', `length ${length} is not a multiple of 4`);
  if (HEADER_LENGTH + length !== buf.length) return fail('BAD_LENGTH', `header says ${length} bytes of attributes, got ${buf.length - HEADER_LENGTH}`);

  const { method, cls } = decodeMessageType(buf.readUInt16BE(0));
  const transactionId = Buffer.from(buf.subarray(8, 8 + TRANSACTION_ID_LENGTH));
  const attributes: RawAttribute[] = [];
  let fingerprint: StunMessage['fingerprint'] = 'absent';
  let off = HEADER_LENGTH;
  while (off < buf.length) {
    if (off + 4 > buf.length) return fail('TRUNCATED_ATTRIBUTE', `attribute header at ${off} runs past the end`);
    const type = buf.readUInt16BE(off);
    const len = buf.readUInt16BE(off + 2);
    const padded = (len + 3) & ~3;
    if (off + 4 + padded > buf.length) return fail('TRUNCATED_ATTRIBUTE', `attribute 0x${type.toString(16)} of ${len} bytes at ${off} runs past the end`);
    if (fingerprint !== 'absent') return fail('BAD_FINGERPRINT_PLACEMENT', 'FINGERPRINT is not the last attribute');
    const value = Buffer.from(buf.subarray(off + 4, off + 4 + len));
    if (type === AttributeType.FINGERPRINT) {
      if (len !== 4) return fail('BAD_FINGERPRINT_PLACEMENT', `FINGERPRINT of ${len} bytes, expected 4`);
      const head = Buffer.from(buf.subarray(0, off));
      head.writeUInt16BE(off - HEADER_LENGTH + FINGERPRINT_ATTR_LENGTH, 2);
      fingerprint = value.readUInt32BE(0) === fingerprintValue(head) ? 'valid' : 'invalid';
    }
    attributes.push({ type, value, offset: off });
    off += 4 + padded;
  }
  return { ok: true, message: { method, cls, transactionId, attributes, raw: Buffer.from(buf), fingerprint } };
}

export function getAttribute(msg: StunMessage, type: number): RawAttribute | undefined {
  return msg.attributes.find((a) => a.type === type);
}

export interface AttributeSpec {
  type: number;
  value: Uint8Array;
}

export interface MessageSpec {
  method: number;
  cls: StunClass;
  transactionId?: Uint8Array;
  attributes?: readonly AttributeSpec[];
}

export interface EncodeOptions {
  /** Append MESSAGE-INTEGRITY (HMAC-SHA1) with this key (RFC 8489 §14.5). */
  integrityKey?: Uint8Array;
  /** Also/instead append MESSAGE-INTEGRITY-SHA256 (RFC 8489 §14.6). */
  integritySha256Key?: Uint8Array;
  /** Append FINGERPRINT (RFC 8489 §14.7). */
  fingerprint?: boolean;
  /** Value of padding bytes (RFC 8489 §14: any value; RFC 5769's vectors use 0x20). Default 0. */
  paddingByte?: number;
}

function attr(type: number, value: Uint8Array, pad = 0): Buffer {
  if (value.length > 0xffff) throw new RangeError(`attribute 0x${type.toString(16)} too long`);
  const out = Buffer.alloc(4 + ((value.length + 3) & ~3), pad & 0xff);
  out.writeUInt16BE(type, 0);
  out.writeUInt16BE(value.length, 2);
  Buffer.from(value.buffer, value.byteOffset, value.byteLength).copy(out, 4);
  return out;
}

/** Encode a message; integrity and fingerprint attributes are appended in RFC order. */
export function encodeMessage(spec: MessageSpec, opts: EncodeOptions = {}): Buffer {
  const txId = spec.transactionId ?? newTransactionId();
  if (txId.length !== TRANSACTION_ID_LENGTH) throw new RangeError('transaction id must be 12 bytes');
  const header = Buffer.alloc(HEADER_LENGTH);
  header.writeUInt16BE(encodeMessageType(spec.method, spec.cls), 0);
  header.writeUInt32BE(MAGIC_COOKIE, 4);
  Buffer.from(txId.buffer, txId.byteOffset, txId.byteLength).copy(header, 8);
  let msg = Buffer.concat([header, ...(spec.attributes ?? []).map((a) => attr(a.type, a.value, opts.paddingByte))]);
  msg.writeUInt16BE(msg.length - HEADER_LENGTH, 2);

  const addIntegrity = (type: number, key: Uint8Array, alg: IntegrityAlgorithm, len: number) => {
    const mac = integrityHmac(msg, msg.length, len, key, alg);
    msg = Buffer.concat([msg, attr(type, mac)]);
    msg.writeUInt16BE(msg.length - HEADER_LENGTH, 2);
  };
  if (opts.integrityKey) addIntegrity(AttributeType.MESSAGE_INTEGRITY, opts.integrityKey, 'sha1', MESSAGE_INTEGRITY_LENGTH);
  if (opts.integritySha256Key) addIntegrity(AttributeType.MESSAGE_INTEGRITY_SHA256, opts.integritySha256Key, 'sha256', MESSAGE_INTEGRITY_SHA256_LENGTH);
  if (opts.fingerprint) {
    const fp = Buffer.alloc(4);
    const head = Buffer.from(msg);
    head.writeUInt16BE(msg.length - HEADER_LENGTH + FINGERPRINT_ATTR_LENGTH, 2);
    fp.writeUInt32BE(fingerprintValue(head));
    msg = Buffer.concat([msg, attr(AttributeType.FINGERPRINT, fp)]);
    msg.writeUInt16BE(msg.length - HEADER_LENGTH, 2);
  }
  return msg;
}

export type IntegrityStatus = 'absent' | 'valid' | 'invalid';

/**
 * Verify MESSAGE-INTEGRITY-SHA256 if present, else MESSAGE-INTEGRITY (RFC 8489 §9.1.4/§9.2.4).
 * Never throws.
 */
export function verifyIntegrity(msg: StunMessage, key: Uint8Array): IntegrityStatus {
  const sha256 = getAttribute(msg, AttributeType.MESSAGE_INTEGRITY_SHA256);
  if (sha256) {
    if (sha256.value.length < 16 || sha256.value.length > 32 || sha256.value.length % 4 !== 0) return 'invalid';
    return constantTimeEqual(integrityHmac(msg.raw, sha256.offset, sha256.value.length, key, 'sha256'), sha256.value) ? 'valid' : 'invalid';
  }
  const sha1 = getAttribute(msg, AttributeType.MESSAGE_INTEGRITY);
  if (!sha1) return 'absent';
  if (sha1.value.length !== MESSAGE_INTEGRITY_LENGTH) return 'invalid';
  return constantTimeEqual(integrityHmac(msg.raw, sha1.offset, MESSAGE_INTEGRITY_LENGTH, key, 'sha1'), sha1.value) ? 'valid' : 'invalid';
}
