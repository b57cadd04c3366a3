/**
 * MESSAGE-INTEGRITY (RFC 8489 §14.5): HMAC-SHA1, 20 bytes.
 * MESSAGE-INTEGRITY-SHA256 (RFC 8489 §14.6): HMAC-SHA256, 16–32 bytes (truncation allowed).
 *
 * The HMAC covers the message up to (not including) the attribute, with the header's length
 * field set as if the attribute were the last one (i.e. counting it, but not what follows).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const MESSAGE_INTEGRITY_LENGTH = 20;
export const MESSAGE_INTEGRITY_SHA256_LENGTH = 32;

export type IntegrityAlgorithm = 'sha1' | 'sha256';

/**
 * HMAC over `raw[0:offset]` (offset = start of the integrity attribute header), with the
 * length field patched to `offset - 20 + 4 + valueLength`.
 */
export function integrityHmac(raw: Uint8Array, offset: number, valueLength: number, key: Uint8Array, alg: IntegrityAlgorithm): Buffer {
  const head = Buffer.from(raw.subarray(0, offset));
  head.writeUInt16BE(offset - 20 + 4 + valueLength, 2);
  const mac = createHmac(alg, key).update(head).digest();
  return alg === 'sha256' ? mac.subarray(0, valueLength) : mac;
}

export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
