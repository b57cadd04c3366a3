/**
 * Whose address is a TURN server's XOR-RELAYED-ADDRESS? Pure.
 *
 * A server behind a 1:1 NAT must advertise its public address (coturn `external-ip`); when that
 * setting is wrong the relayed address is a private, documentation or otherwise reserved address,
 * or a public one that is not the server's. Every relay candidate built from it points nowhere.
 * The relay reachability probe classifies the address first and sends traffic only to an address
 * the URL itself names (`maySendTo`): never to a private or public address the server merely
 * advertises.
 */
import { ipToBytes } from '../stun/address.js';

/** What kind of address an IP is, by the IANA special-purpose registries (RFC 6890). */
export type AddressClass =
  | 'unspecified' // 0.0.0.0/8, ::/128
  | 'loopback' // 127.0.0.0/8 (RFC 1122), ::1 (RFC 4291)
  | 'private' // RFC 1918 (IPv4), RFC 4193 unique local fc00::/7 (IPv6)
  | 'shared' // 100.64.0.0/10 carrier-grade NAT (RFC 6598)
  | 'link-local' // 169.254.0.0/16 (RFC 3927), fe80::/10 (RFC 4291)
  | 'documentation' // 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24 (RFC 5737), 2001:db8::/32 (RFC 3849)
  | 'benchmarking' // 198.18.0.0/15 (RFC 2544)
  | 'multicast' // 224.0.0.0/4 (RFC 5771), ff00::/8
  | 'reserved' // 240.0.0.0/4 (RFC 1112), 192.0.0.0/24 (RFC 6890)
  | 'public';

interface Range {
  /** Network address as text; prefix length. */
  net: string;
  len: number;
  cls: Exclude<AddressClass, 'public'>;
  rfc: string;
}

/** The special-purpose ranges, most specific first where they nest. */
export const SPECIAL_RANGES: readonly Range[] = [
  { net: '0.0.0.0', len: 8, cls: 'unspecified', rfc: 'RFC 1122' },
  { net: '127.0.0.0', len: 8, cls: 'loopback', rfc: 'RFC 1122' },
  { net: '10.0.0.0', len: 8, cls: 'private', rfc: 'RFC 1918' },
  { net: '172.16.0.0', len: 12, cls: 'private', rfc: 'RFC 1918' },
  { net: '192.168.0.0', len: 16, cls: 'private', rfc: 'RFC 1918' },
  { net: '100.64.0.0', len: 10, cls: 'shared', rfc: 'RFC 6598' },
  { net: '169.254.0.0', len: 16, cls: 'link-local', rfc: 'RFC 3927' },
  { net: '192.0.0.0', len: 24, cls: 'reserved', rfc: 'RFC 6890' },
  { net: '192.0.2.0', len: 24, cls: 'documentation', rfc: 'RFC 5737' },
  { net: '198.51.100.0', len: 24, cls: 'documentation', rfc: 'RFC 5737' },
  { net: '203.0.113.0', len: 24, cls: 'documentation', rfc: 'RFC 5737' },
  { net: '198.18.0.0', len: 15, cls: 'benchmarking', rfc: 'RFC 2544' },
  { net: '224.0.0.0', len: 4, cls: 'multicast', rfc: 'RFC 5771' },
  { net: '240.0.0.0', len: 4, cls: 'reserved', rfc: 'RFC 1112' },
  { net: '::', len: 128, cls: 'unspecified', rfc: 'RFC 4291' },
  { net: '::1', len: 128, cls: 'loopback', rfc: 'RFC 4291' },
  { net: 'fc00::', len: 7, cls: 'private', rfc: 'RFC 4193' },
  { net: 'fe80::', len: 10, cls: 'link-local', rfc: 'RFC 4291' },
  { net: '2001:db8::', len: 32, cls: 'documentation', rfc: 'RFC 3849' },
  { net: 'ff00::', len: 8, cls: 'multicast', rfc: 'RFC 4291' },
];

function inRange(ip: Buffer, r: Range): boolean {
  const net = ipToBytes(r.net);
  if (!net || net.length !== ip.length) return false;
  const full = Math.floor(r.len / 8);
  for (let i = 0; i < full; i++) if (ip[i] !== net[i]) return false;
  const rest = r.len % 8;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((ip[full] ?? 0) & mask) === ((net[full] ?? 0) & mask);
}

/** IPv4-mapped IPv6 (::ffff:a.b.c.d) is judged as the IPv4 address it carries. */
function unmapped(b: Buffer): Buffer {
  if (b.length === 16 && b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) return Buffer.from(b.subarray(12));
  return b;
}

export interface AddressKind {
  cls: AddressClass;
  /** The range it falls in, e.g. "10.0.0.0/8 (RFC 1918)"; null for public addresses. */
  range: string | null;
}

/** Classifies an IP literal; anything that is not one is `reserved` (never sent to). */
export function classifyAddress(ip: string): AddressKind {
  const raw = ipToBytes(ip);
  if (!raw) return { cls: 'reserved', range: 'not an IP address' };
  const b = unmapped(raw);
  for (const r of SPECIAL_RANGES) if (inRange(b, r)) return { cls: r.cls, range: `${r.net}/${r.len} (${r.rfc})` };
  return { cls: 'public', range: null };
}

function sameIp(a: string, b: string): boolean {
  const x = ipToBytes(a);
  const y = ipToBytes(b);
  return x !== null && y !== null && unmapped(x).equals(unmapped(y));
}

export type RelayedAddressVerdict =
  | { kind: 'server'; address: string }
  | {
      kind: 'not-server';
      address: string;
      cls: AddressClass;
      range: string | null;
      /** What the URL's host resolves to (or is): the addresses the server is known by. */
      urlAddresses: string[];
    };

/**
 * The relayed address is "the server's" when it is one of the addresses the URL's host resolves
 * to, or loopback for a loopback server (a TURN server on this machine). Anything else is not
 * known to be the server's: a private/reserved one can never be reached from outside, and a
 * public one that differs from the URL is not tested (iceprobe does not send to it).
 */
export function judgeRelayedAddress(relayedIp: string, urlAddresses: readonly string[]): RelayedAddressVerdict {
  if (urlAddresses.some((u) => sameIp(u, relayedIp))) return { kind: 'server', address: relayedIp };
  const k = classifyAddress(relayedIp);
  if (k.cls === 'loopback' && urlAddresses.some((u) => classifyAddress(u).cls === 'loopback')) return { kind: 'server', address: relayedIp };
  return { kind: 'not-server', address: relayedIp, cls: k.cls, range: k.range, urlAddresses: [...urlAddresses] };
}

/**
 * The send guard: the probe sends datagrams only to loopback, to an address the URL itself
 * resolves to, or to the lab's 198.18.0.0/15 — never to a private-range or public address that
 * a server merely advertises. Checked before every send to a relayed address.
 */
export function maySendTo(ip: string, urlAddresses: readonly string[]): boolean {
  // The user asked iceprobe to probe the URL's addresses (whatever their range): those are fair.
  if (urlAddresses.some((u) => sameIp(u, ip))) return true;
  const k = classifyAddress(ip).cls;
  return k === 'loopback' || k === 'benchmarking';
}
