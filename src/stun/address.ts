/**
 * Address attributes: MAPPED-ADDRESS (RFC 8489 §14.1), XOR-MAPPED-ADDRESS (§14.2), and the
 * same encodings reused by XOR-RELAYED-ADDRESS / XOR-PEER-ADDRESS (RFC 8656 §18.3, §18.5) and
 * RESPONSE-ORIGIN / OTHER-ADDRESS (RFC 5780 §7.3, §7.4, plain MAPPED-ADDRESS format).
 *
 *   0                   1                   2                   3
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |0 0 0 0 0 0 0 0|    Family     |         (X-)Port              |
 *  |                 (X-)Address (32 bits or 128 bits)             |
 *
 * XOR: X-Port = port ^ (cookie >> 16); X-Address = address ^ cookie (IPv4) or
 * address ^ (cookie || transaction id) (IPv6).
 */
import { MAGIC_COOKIE } from './header.js';

/** RFC 8489 §14.1 address family values. */
export const AddressFamily = { IPv4: 0x01, IPv6: 0x02 } as const;

export interface TransportAddress {
  family: 4 | 6;
  address: string;
  port: number;
}

export type AddressResult = { ok: true; value: TransportAddress } | { ok: false; problem: string };

const COOKIE_BYTES = (() => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(MAGIC_COOKIE);
  return b;
})();

/** Pure IPv4/IPv6 text → bytes. Returns null for anything else (no DNS, no zone ids). */
export function ipToBytes(ip: string): Buffer | null {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (v4) {
    const parts = v4.slice(1).map(Number);
    if (parts.some((p) => p > 255)) return null;
    return Buffer.from(parts);
  }
  if (!/^[0-9A-Fa-f:.]+$/.test(ip) || !ip.includes(':')) return null;
  let text = ip;
  let tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    const four = ipToBytes(text.slice(lastColon + 1));
    if (!four || four.length !== 4) return null;
    tail = [(four[0]! << 8) | four[1]!, (four[2]! << 8) | four[3]!];
    text = text.slice(0, lastColon + 1) + '0:0';
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const parse = (s: string) => (s === '' ? [] : s.split(':'));
  const head = parse(halves[0] ?? '');
  const rest = halves.length === 2 ? parse(halves[1] ?? '') : [];
  const groups = [...head, ...rest];
  if (groups.some((g) => !/^[0-9A-Fa-f]{1,4}$/.test(g))) return null;
  const missing = 8 - groups.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const words = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest].map((g) => parseInt(g, 16));
  if (tail.length === 2) words.splice(6, 2, tail[0]!, tail[1]!);
  const out = Buffer.alloc(16);
  words.forEach((w, i) => out.writeUInt16BE(w, i * 2));
  return out;
}

/** Bytes → text; IPv6 in RFC 5952 canonical form (lower case, longest zero run compressed). */
export function bytesToIp(b: Uint8Array): string {
  if (b.length === 4) return Array.from(b).join('.');
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((b[i]! << 8) | b[i + 1]!);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

function xorMask(family: 4 | 6, transactionId: Uint8Array): Buffer {
  return family === 4 ? COOKIE_BYTES : Buffer.concat([COOKIE_BYTES, Buffer.from(transactionId)]);
}

export function encodeAddress(addr: TransportAddress, xor: false): Buffer;
export function encodeAddress(addr: TransportAddress, xor: true, transactionId: Uint8Array): Buffer;
export function encodeAddress(addr: TransportAddress, xor: boolean, transactionId?: Uint8Array): Buffer {
  const ip = ipToBytes(addr.address);
  if (!ip || (ip.length === 4) !== (addr.family === 4)) throw new TypeError(`not an IPv${addr.family} address: ${addr.address}`);
  if (!Number.isInteger(addr.port) || addr.port < 0 || addr.port > 0xffff) throw new RangeError(`bad port ${addr.port}`);
  const out = Buffer.alloc(4 + ip.length);
  out[1] = addr.family === 4 ? AddressFamily.IPv4 : AddressFamily.IPv6;
  let port = addr.port;
  if (xor) {
    port ^= MAGIC_COOKIE >>> 16;
    const mask = xorMask(addr.family, transactionId ?? Buffer.alloc(12));
    for (let i = 0; i < ip.length; i++) ip[i] = ip[i]! ^ mask[i]!;
  }
  out.writeUInt16BE(port, 2);
  ip.copy(out, 4);
  return out;
}

export function decodeAddress(value: Uint8Array, xor: boolean, transactionId: Uint8Array): AddressResult {
  if (value.length < 4) return { ok: false, problem: 'address attribute shorter than 4 bytes' };
  const v = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  const familyByte = v[1];
  const family = familyByte === AddressFamily.IPv4 ? 4 : familyByte === AddressFamily.IPv6 ? 6 : null;
  if (family === null) return { ok: false, problem: `unknown address family 0x${(familyByte ?? 0).toString(16)}` };
  const len = family === 4 ? 4 : 16;
  if (v.length !== 4 + len) return { ok: false, problem: `IPv${family} address attribute has length ${v.length}, expected ${4 + len}` };
  let port = v.readUInt16BE(2);
  const ip = Buffer.from(v.subarray(4, 4 + len));
  if (xor) {
    port ^= MAGIC_COOKIE >>> 16;
    const mask = xorMask(family, transactionId);
    for (let i = 0; i < len; i++) ip[i] = ip[i]! ^ mask[i]!;
  }
  return { ok: true, value: { family, address: bytesToIp(ip), port } };
}

export function formatTransportAddress(a: TransportAddress): string {
  return a.family === 6 ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}
