/**
 * STUN message header and message type (RFC 8489 §5, §6; methods RFC 8489 §18.2, RFC 8656 §17).
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |0 0|     STUN Message Type     |         Message Length        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                         Magic Cookie                          |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                     Transaction ID (96 bits)                  |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Message type bits (RFC 8489 §5): M11..M7 C1 M6..M4 C0 M3..M0.
 */
import { randomBytes } from 'node:crypto';

/** RFC 8489 §5: fixed value 0x2112A442 in network byte order. */
export const MAGIC_COOKIE = 0x2112a442;
/** RFC 8489 §5: the header is 20 bytes. */
export const HEADER_LENGTH = 20;
/** RFC 8489 §5: 96-bit transaction id. */
export const TRANSACTION_ID_LENGTH = 12;

/** RFC 8489 §5: the class, encoded in bits C1 C0. */
export type StunClass = 'request' | 'indication' | 'success' | 'error';
const CLASS_BITS: Record<StunClass, number> = { request: 0b00, indication: 0b01, success: 0b10, error: 0b11 };
const CLASS_OF: readonly StunClass[] = ['request', 'indication', 'success', 'error'];

/** Methods: Binding (RFC 8489 §18.2); Allocate…ChannelBind (RFC 8656 §17). */
export const Method = {
  Binding: 0x001,
  Allocate: 0x003,
  Refresh: 0x004,
  Send: 0x006,
  Data: 0x007,
  CreatePermission: 0x008,
  ChannelBind: 0x009,
} as const;
export type Method = (typeof Method)[keyof typeof Method];

/** Encode method (12 bits) and class into the 14-bit message type (RFC 8489 §5, Figure 3). */
export function encodeMessageType(method: number, cls: StunClass): number {
  const m = method & 0xfff;
  const c = CLASS_BITS[cls];
  return (m & 0x000f) | ((c & 0b01) << 4) | ((m & 0x0070) << 1) | ((c & 0b10) << 7) | ((m & 0x0f80) << 2);
}

export function decodeMessageType(type: number): { method: number; cls: StunClass } {
  const method = (type & 0x000f) | ((type & 0x00e0) >> 1) | ((type & 0x3e00) >> 2);
  const c = ((type & 0x0010) >> 4) | ((type & 0x0100) >> 7);
  return { method, cls: CLASS_OF[c] ?? 'request' };
}

export function newTransactionId(): Buffer {
  return randomBytes(TRANSACTION_ID_LENGTH);
}
