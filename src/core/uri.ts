/**
 * STUN and TURN URIs: RFC 7064 (stun:, stuns:) and RFC 7065 (turn:, turns:).
 *
 *   stunURI = scheme ":" host [ ":" port ]                          ; RFC 7064 §3.1
 *   turnURI = scheme ":" host [ ":" port ] [ "?transport=" transport ] ; RFC 7065 §3.1
 *   host    = IP-literal / IPv4address / reg-name                   ; RFC 3986
 *
 * Pure: a string in, a typed value or a one-line problem out.
 */
import { echoInput } from './errors.js';
import type { Transport } from './schema.js';

export type Scheme = 'stun' | 'stuns' | 'turn' | 'turns';

export interface IceUri {
  scheme: Scheme;
  /** Host as written, without brackets for IPv6 literals. */
  host: string;
  port: number;
  /** Client→server transport: udp/tcp, or tls for stuns:/turns:. */
  transport: Transport;
  /** Whether the port was written explicitly. */
  explicitPort: boolean;
  /** Whether ?transport= was written explicitly. */
  explicitTransport: boolean;
  /** Canonical form with explicit port and transport, e.g. `turn:example.com:3478?transport=udp`. */
  canonical: string;
  isTurn: boolean;
  ipVersion: 4 | 6 | null;
}

/** RFC 8489 §18.9 / RFC 7064 §3.2 default ports. */
export const DEFAULT_PORT = 3478;
export const DEFAULT_TLS_PORT = 5349;

export type ParseResult = { ok: true; uri: IceUri } | { ok: false; problem: string };

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
// reg-name restricted to what DNS can carry: labels of letters, digits, hyphens.
const REG_NAME = /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

function isIPv6(s: string): boolean {
  // Delegate the fiddly grammar to the URL parser, which implements RFC 3986 IP-literals.
  if (!/^[0-9A-Fa-f:.]+$/.test(s) || !s.includes(':')) return false;
  try {
    return new URL(`http://[${s}]/`).hostname.length > 2;
  } catch {
    return false;
  }
}

export function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** `turn:alice:pw@host` → `turn:…@host`: userinfo (a password, often) is never echoed. */
export function withoutUserinfo(input: string): string {
  return input.replace(/^([A-Za-z]+:(?:\/\/)?)[^?]*@/, '$1…@');
}

export function parseIceUri(input: string): ParseResult {
  // Input is echoed escaped, cut short and without userinfo: one bounded line, no password.
  const fail = (why: string): ParseResult => ({ ok: false, problem: `"${echoInput(withoutUserinfo(input))}": ${why}` });
  const e = (piece: string) => echoInput(piece, 60);
  const raw = input.trim();
  const colon = raw.indexOf(':');
  if (colon <= 0) return fail('not a STUN/TURN URI; write it as stun:host[:port] or turn:host[:port][?transport=udp|tcp]');
  const schemeRaw = raw.slice(0, colon).toLowerCase();
  if (schemeRaw !== 'stun' && schemeRaw !== 'stuns' && schemeRaw !== 'turn' && schemeRaw !== 'turns') {
    return fail(`unknown scheme "${e(schemeRaw)}:"; use stun:, stuns:, turn: or turns:`);
  }
  const scheme: Scheme = schemeRaw;
  let rest = raw.slice(colon + 1);
  if (/^[^?]*@/.test(rest)) return fail('a user name or password in the URL (user:password@host) is not part of a STUN/TURN URI; pass --username and --credential instead');
  if (rest.startsWith('//')) return fail(`no "//" after "${scheme}:" (RFC 7064/7065); write ${scheme}:${e(rest.slice(2))}`);

  let query: string | null = null;
  const q = rest.indexOf('?');
  if (q >= 0) {
    query = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }

  let host: string;
  let portText: string | null = null;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) return fail('IPv6 literal is missing its closing "]"');
    host = rest.slice(1, close);
    const after = rest.slice(close + 1);
    if (after !== '') {
      if (!after.startsWith(':')) return fail(`unexpected "${e(after)}" after the IPv6 literal`);
      portText = after.slice(1);
    }
    if (!isIPv6(host)) return fail(`"[${e(host)}]" is not a valid IPv6 address`);
  } else {
    const parts = rest.split(':');
    if (parts.length > 2) return fail('an IPv6 address must be written in brackets, e.g. turn:[2001:db8::1]:3478');
    host = parts[0] ?? '';
    portText = parts.length === 2 ? (parts[1] ?? '') : null;
    if (host === '') return fail('the host is missing');
    if (!IPV4.test(host) && !REG_NAME.test(host)) {
      return fail(`"${e(host)}" is not a valid host name or IPv4 address`);
    }
    if (/^\d+(\.\d+)*$/.test(host) && !IPV4.test(host)) return fail(`"${e(host)}" is not a valid IPv4 address`);
  }

  const tlsScheme = scheme === 'stuns' || scheme === 'turns';
  let port = tlsScheme ? DEFAULT_TLS_PORT : DEFAULT_PORT;
  if (portText !== null) {
    if (!/^\d{1,5}$/.test(portText)) return fail(`port "${e(portText)}" is not a number`);
    port = Number(portText);
    if (port < 1 || port > 65535) return fail(`port ${port} is out of range 1-65535`);
  }

  let transport: Transport = tlsScheme ? 'tls' : 'udp';
  let explicitTransport = false;
  if (query !== null) {
    if (scheme === 'stun' || scheme === 'stuns') {
      return fail(`${scheme}: URIs take no "?${e(query)}" (RFC 7064); remove it, STUN over TCP is not used by browsers`);
    }
    const m = /^transport=([A-Za-z0-9.+-]+)$/.exec(query);
    if (!m) return fail(`"?${e(query)}" is not understood; the only parameter is ?transport=udp or ?transport=tcp`);
    const t = (m[1] ?? '').toLowerCase();
    if (t !== 'udp' && t !== 'tcp') return fail(`transport "${e(t)}" is not supported; use ?transport=udp or ?transport=tcp`);
    if (tlsScheme && t === 'udp') return fail('turns: over udp (DTLS) is not supported by browsers; use turns:host:443?transport=tcp');
    explicitTransport = true;
    transport = tlsScheme ? 'tls' : t;
  }

  const ipVersion = IPV4.test(host) ? 4 : host.includes(':') ? 6 : null;
  const isTurn = scheme === 'turn' || scheme === 'turns';
  const canonical =
    `${scheme}:${formatHost(host)}:${port}` + (isTurn ? `?transport=${transport === 'tls' ? 'tcp' : transport}` : '');
  return {
    ok: true,
    uri: { scheme, host, port, transport, explicitPort: portText !== null, explicitTransport, canonical, isTurn, ipVersion },
  };
}

/** Whether a bound address (or name) is this machine only: 127/8, ::1, localhost, ::ffff:127.0.0.1. */
export function isLoopback(host: string): boolean {
  return host === '::1' || host === 'localhost' || /^127\./.test(host) || host === '::ffff:127.0.0.1';
}
