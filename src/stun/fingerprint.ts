/**
 * FINGERPRINT (RFC 8489 §14.7): CRC-32 (ISO 3309 / ITU-T V.42, as in zlib) of the message up
 * to the attribute, with the header length covering the FINGERPRINT itself, XORed with
 * 0x5354554e ("STUN").
 */
export const FINGERPRINT_XOR = 0x5354554e;
/** Attribute header (4) + 32-bit value. */
export const FINGERPRINT_ATTR_LENGTH = 8;

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function fingerprintValue(messageUpToAttribute: Uint8Array): number {
  return (crc32(messageUpToAttribute) ^ FINGERPRINT_XOR) >>> 0;
}
