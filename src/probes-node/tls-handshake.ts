/**
 * TLS probe for stuns:/turns: URLs: handshake time, protocol, certificate chain, whether it
 * chains to the trust store (Node's bundled roots + extraCa) and matches the host — the checks
 * Chromium applies to TURNS. Verification is recorded, never enforced, so every problem is named.
 */
import { openTls, type TlsInfo } from '../net/stream.js';
import type { Check } from '../core/schema.js';
import { makeCheck, round } from './check.js';
import { ProtocolCode } from '../core/codes.js';
import type { ProbeContext } from './stun-binding.js';
import { sniffPort } from './connect.js';
import { checkId, tlsTarget } from '../core/ids.js';

const SELF_SIGNED = new Set(['DEPTH_ZERO_SELF_SIGNED_CERT']);
const INCOMPLETE = new Set(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT']);
const EXPIRED = new Set(['CERT_HAS_EXPIRED']);
const NOT_YET = new Set(['CERT_NOT_YET_VALID']);

/** Problems in priority order (the first is the check's code). Pure. */
export function classifyTls(info: Pick<TlsInfo, 'authorizationError' | 'hostnameError' | 'chain'>, nowMs: number): ProtocolCode[] {
  const found = new Set<ProtocolCode>();
  const err = info.authorizationError;
  if (err && EXPIRED.has(err)) found.add(ProtocolCode.TLS_CERT_EXPIRED);
  if (err && NOT_YET.has(err)) found.add(ProtocolCode.TLS_CERT_NOT_YET_VALID);
  for (const c of info.chain) {
    if (Date.parse(c.validTo) < nowMs) found.add(ProtocolCode.TLS_CERT_EXPIRED);
    if (Date.parse(c.validFrom) > nowMs) found.add(ProtocolCode.TLS_CERT_NOT_YET_VALID);
  }
  const leaf = info.chain[0];
  if ((err && SELF_SIGNED.has(err)) || (info.chain.length === 1 && leaf?.selfSigned && err !== null)) found.add(ProtocolCode.TLS_CERT_SELF_SIGNED);
  else if (err && INCOMPLETE.has(err)) found.add(ProtocolCode.TLS_CERT_INCOMPLETE_CHAIN);
  else if (err && !EXPIRED.has(err) && !NOT_YET.has(err)) found.add(ProtocolCode.TLS_CERT_UNTRUSTED);
  if (info.hostnameError) found.add(ProtocolCode.TLS_CERT_HOSTNAME_MISMATCH);
  const order: ProtocolCode[] = [
    ProtocolCode.TLS_CERT_EXPIRED,
    ProtocolCode.TLS_CERT_NOT_YET_VALID,
    ProtocolCode.TLS_CERT_SELF_SIGNED,
    ProtocolCode.TLS_CERT_INCOMPLETE_CHAIN,
    ProtocolCode.TLS_CERT_UNTRUSTED,
    ProtocolCode.TLS_CERT_HOSTNAME_MISMATCH,
  ];
  return order.filter((c) => found.has(c));
}

export async function probeTls(host: string, address: string, port: number, ctx: ProbeContext & { wallNow?: () => number }): Promise<Check> {
  const start = ctx.clock.now();
  const id = checkId.tls(host, port);
  const base = { id, kind: 'tls-handshake' as const, target: tlsTarget(host, port), transport: 'tls' as const };
  const r = await openTls(address, port, {
    host,
    timeoutMs: ctx.timeoutMs,
    rejectUnauthorized: false,
    ...(ctx.tls?.extraCa ? { extraCa: ctx.tls.extraCa } : {}),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  if (!r.ok) {
    if (r.code === ProtocolCode.TLS_HANDSHAKE_FAILED && r.tcpConnectMs !== undefined) {
      // TCP open, no TLS: keep the connect as evidence, and ask whether the port speaks plain STUN/TURN.
      const sniff = await sniffPort({ address, port, host }, 'stun', { timeoutMs: ctx.timeoutMs, clock: ctx.clock, ...(ctx.signal ? { signal: ctx.signal } : {}) });
      const what = sniff.speaks === 'stun' ? 'TCP open, no TLS: the port speaks plain STUN/TURN over TCP' : 'TCP open, no TLS';
      return makeCheck({
        ...base,
        code: r.code,
        message: `TLS to ${address}:${port}: ${what} (${r.detail})`,
        durationMs: ctx.clock.now() - start,
        details: { address, port, error: r.detail, tcpConnected: true, tcpConnectMs: round(r.tcpConnectMs), portSpeaks: sniff.speaks === 'stun' ? 'stun' : 'tcp-only', portState: what },
      });
    }
    return makeCheck({ ...base, code: r.code, message: `TLS to ${address}:${port}: ${r.detail}`, durationMs: ctx.clock.now() - start, details: { address, port, error: r.detail } });
  }
  r.value.channel.close();
  const info = r.value.info;
  const problems = classifyTls(info, (ctx.wallNow ?? Date.now)());
  const leaf = info.chain[0] ?? null;
  const code = problems[0] ?? ProtocolCode.OK;
  return makeCheck({
    ...base,
    code,
    message: code === ProtocolCode.OK ? `${info.protocol ?? 'TLS'} with a valid certificate for ${host}` : `certificate problem(s): ${problems.join(', ')}`,
    durationMs: ctx.clock.now() - start,
    details: {
      address,
      port,
      tcpConnectMs: round(info.tcpConnectMs),
      handshakeMs: round(info.handshakeMs),
      protocol: info.protocol,
      cipher: info.cipher,
      problems,
      trusted: info.authorized,
      verifyError: info.authorizationError,
      hostnameMatches: info.hostnameError === null,
      hostnameError: info.hostnameError,
      certificate: leaf,
      chainLength: info.chain.length,
      chain: info.chain.map((c) => ({ subject: c.subject, issuer: c.issuer, validTo: c.validTo })),
    },
  });
}
