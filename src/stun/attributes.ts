/**
 * Typed attribute values: builders (value bytes for `encodeMessage`) and readers (never throw;
 * a malformed value reads as `{ ok: false }`, an absent one as `undefined`).
 */
import { AttributeType } from './attribute-types.js';
import { decodeAddress, encodeAddress, type TransportAddress } from './address.js';
import { decodeErrorCode, encodeErrorCode, type ErrorCode } from './error-code.js';
import { getAttribute, type AttributeSpec, type StunMessage } from './message.js';

export type Read<T> = { ok: true; value: T } | { ok: false; problem: string } | undefined;

/** RFC 8489 §14.3, §14.9, §14.10, §14.14: byte limits of the text attributes. */
export const MAX_TEXT_BYTES: Partial<Record<number, number>> = {
  [AttributeType.USERNAME]: 512,
  [AttributeType.REALM]: 763,
  [AttributeType.NONCE]: 763,
  [AttributeType.SOFTWARE]: 763,
};

/** RFC 8656 §18.8: protocol numbers for REQUESTED-TRANSPORT. */
export const TransportProtocol = { UDP: 17, TCP: 6 } as const;

const XOR_TYPES = new Set<number>([AttributeType.XOR_MAPPED_ADDRESS, AttributeType.XOR_PEER_ADDRESS, AttributeType.XOR_RELAYED_ADDRESS]);

// ---------------------------------------------------------------- builders

export function textAttribute(type: number, text: string): AttributeSpec {
  const value = Buffer.from(text, 'utf8');
  const max = MAX_TEXT_BYTES[type];
  if (max !== undefined && value.length > max) throw new RangeError(`attribute 0x${type.toString(16)} longer than ${max} bytes`);
  return { type, value };
}
export const username = (s: string) => textAttribute(AttributeType.USERNAME, s);
export const realm = (s: string) => textAttribute(AttributeType.REALM, s);
export const nonce = (s: string) => textAttribute(AttributeType.NONCE, s);
export const software = (s: string) => textAttribute(AttributeType.SOFTWARE, s);

function u32(type: number, n: number): AttributeSpec {
  const value = Buffer.alloc(4);
  value.writeUInt32BE(n >>> 0);
  return { type, value };
}

/** LIFETIME (RFC 8656 §18.2), seconds. */
export const lifetime = (seconds: number) => u32(AttributeType.LIFETIME, seconds);

/** REQUESTED-TRANSPORT (RFC 8656 §18.8): protocol in the first byte, then RFFU. */
export function requestedTransport(protocol: number = TransportProtocol.UDP): AttributeSpec {
  return { type: AttributeType.REQUESTED_TRANSPORT, value: Buffer.from([protocol & 0xff, 0, 0, 0]) };
}

/** CHANGE-REQUEST (RFC 5780 §7.2): A = change IP (0x04), B = change port (0x02). */
export function changeRequest(flags: { changeIp?: boolean; changePort?: boolean }): AttributeSpec {
  return u32(AttributeType.CHANGE_REQUEST, (flags.changeIp ? 0x04 : 0) | (flags.changePort ? 0x02 : 0));
}

export function addressAttribute(type: number, addr: TransportAddress, transactionId: Uint8Array): AttributeSpec {
  return { type, value: XOR_TYPES.has(type) ? encodeAddress(addr, true, transactionId) : encodeAddress(addr, false) };
}

export const errorCode = (e: ErrorCode): AttributeSpec => ({ type: AttributeType.ERROR_CODE, value: encodeErrorCode(e) });

/** UNKNOWN-ATTRIBUTES (RFC 8489 §14.13): a list of 16-bit types. */
export function unknownAttributes(types: readonly number[]): AttributeSpec {
  const value = Buffer.alloc(types.length * 2);
  types.forEach((t, i) => value.writeUInt16BE(t, i * 2));
  return { type: AttributeType.UNKNOWN_ATTRIBUTES, value };
}

// ---------------------------------------------------------------- readers

export function readText(msg: StunMessage, type: number): Read<string> {
  const a = getAttribute(msg, type);
  if (!a) return undefined;
  const max = MAX_TEXT_BYTES[type];
  if (max !== undefined && a.value.length > max) return { ok: false, problem: `${a.value.length} bytes, limit ${max}` };
  return { ok: true, value: a.value.toString('utf8') };
}

export function readAddress(msg: StunMessage, type: number): Read<TransportAddress> {
  const a = getAttribute(msg, type);
  if (!a) return undefined;
  return decodeAddress(a.value, XOR_TYPES.has(type), msg.transactionId);
}

export function readErrorCode(msg: StunMessage): Read<ErrorCode> {
  const a = getAttribute(msg, AttributeType.ERROR_CODE);
  return a ? decodeErrorCode(a.value) : undefined;
}

export function readUint32(msg: StunMessage, type: number): Read<number> {
  const a = getAttribute(msg, type);
  if (!a) return undefined;
  if (a.value.length !== 4) return { ok: false, problem: `${a.value.length} bytes, expected 4` };
  return { ok: true, value: a.value.readUInt32BE(0) };
}

export const readLifetime = (msg: StunMessage) => readUint32(msg, AttributeType.LIFETIME);

export function readUnknownAttributes(msg: StunMessage): Read<number[]> {
  const a = getAttribute(msg, AttributeType.UNKNOWN_ATTRIBUTES);
  if (!a) return undefined;
  if (a.value.length % 2 !== 0) return { ok: false, problem: 'odd length' };
  const out: number[] = [];
  for (let i = 0; i < a.value.length; i += 2) out.push(a.value.readUInt16BE(i));
  return { ok: true, value: out };
}

export function readChangeRequest(msg: StunMessage): Read<{ changeIp: boolean; changePort: boolean }> {
  const r = readUint32(msg, AttributeType.CHANGE_REQUEST);
  if (!r || !r.ok) return r;
  return { ok: true, value: { changeIp: (r.value & 0x04) !== 0, changePort: (r.value & 0x02) !== 0 } };
}

/** The value or undefined, for callers that treat malformed as absent. */
export function valueOf<T>(r: Read<T>): T | undefined {
  return r && r.ok ? r.value : undefined;
}
