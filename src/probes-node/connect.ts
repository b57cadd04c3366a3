/** Opening a STUN channel to a resolved target over udp/tcp/tls, and a bounded transactor on it. */
import type { Transport } from '../core/schema.js';
import type { StunChannel } from '../net/channel.js';
import type { Clock } from '../net/clock.js';
import { openTcp, openTls, type TlsInfo } from '../net/stream.js';
import { runTransaction, type TransactionResult } from '../net/transaction.js';
import { Method } from '../stun/header.js';
import { encodeMessage } from '../stun/message.js';
import { openUdp, type OpenResult } from '../net/udp.js';

export interface Target {
  transport: Transport;
  /** Resolved IP to connect to. */
  address: string;
  port: number;
  /** Host as written in the URL (for SNI and the certificate check). */
  host: string;
}

export interface TlsPolicy {
  /** Verify the certificate on the protocol connection (the tls-handshake check always reports). */
  rejectUnauthorized?: boolean;
  extraCa?: string[];
}

export async function openChannel(t: Target, o: { timeoutMs: number; signal?: AbortSignal; tls?: TlsPolicy }): Promise<OpenResult<{ channel: StunChannel; tls: TlsInfo | null }>> {
  const common = { timeoutMs: Math.max(1, o.timeoutMs), ...(o.signal ? { signal: o.signal } : {}) };
  if (t.transport === 'udp') {
    const r = await openUdp(t.address, t.port);
    return r.ok ? { ok: true, value: { channel: r.value, tls: null }, connectMs: r.connectMs } : r;
  }
  if (t.transport === 'tcp') {
    const r = await openTcp(t.address, t.port, common);
    return r.ok ? { ok: true, value: { channel: r.value, tls: null }, connectMs: r.connectMs } : r;
  }
  const r = await openTls(t.address, t.port, { ...common, host: t.host, rejectUnauthorized: o.tls?.rejectUnauthorized ?? false, ...(o.tls?.extraCa ? { extraCa: o.tls.extraCa } : {}) });
  return r.ok ? { ok: true, value: { channel: r.value.channel, tls: r.value.info }, connectMs: r.connectMs } : r;
}

export interface TransactorOptions {
  /** Absolute deadline on `clock` shared by every transaction of the flow. */
  deadline: number;
  clock: Clock;
  signal?: AbortSignal;
  rtoMs?: number;
}

/** Sequential transactions on one channel, sharing one deadline; late answers to earlier ones are ignored. */
export function transactor(channel: StunChannel, o: TransactorOptions): (request: Buffer) => Promise<TransactionResult> {
  const previous = new Set<string>();
  return async (request) => {
    const r = await runTransaction(channel, request, {
      timeoutMs: Math.max(0, o.deadline - o.clock.now()),
      previousTransactionIds: previous,
      clock: o.clock,
      ...(o.rtoMs !== undefined ? { rtoMs: o.rtoMs } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    });
    previous.add(request.subarray(8, 20).toString('hex'));
    return r;
  };
}

/** What a stream port turned out to speak when the expected protocol did not answer. */
export type PortSpeaks = 'tls' | 'stun' | 'unknown';

export interface PortSniff {
  speaks: PortSpeaks;
  /** For 'tls': the negotiated version. */
  tlsProtocol?: string | null;
  elapsedMs: number;
}

/**
 * Bound of a sniff: it runs after the real attempt failed, so it is short, and never longer
 * than the probe's own timeout.
 */
export const SNIFF_TIMEOUT_MS = 1_500;

/**
 * Asks a TCP port that did not speak the URL's protocol whether it speaks the other one:
 * `tls` completes a TLS handshake (certificate not verified: only "is this TLS?"); `stun`
 * sends a STUN Binding over plain TCP (RFC 8489 §6.2.2 framing) and waits for any STUN answer.
 */
export async function sniffPort(t: Omit<Target, 'transport'>, what: 'tls' | 'stun', o: { timeoutMs: number; clock: Clock; signal?: AbortSignal }): Promise<PortSniff> {
  const timeoutMs = Math.max(1, Math.min(SNIFF_TIMEOUT_MS, o.timeoutMs));
  const start = o.clock.now();
  const common = { timeoutMs, ...(o.signal ? { signal: o.signal } : {}) };
  if (what === 'tls') {
    const r = await openTls(t.address, t.port, { ...common, host: t.host, rejectUnauthorized: false });
    if (!r.ok) return { speaks: 'unknown', elapsedMs: o.clock.now() - start };
    r.value.channel.close();
    return { speaks: 'tls', tlsProtocol: r.value.info.protocol, elapsedMs: o.clock.now() - start };
  }
  const r = await openTcp(t.address, t.port, common);
  if (!r.ok) return { speaks: 'unknown', elapsedMs: o.clock.now() - start };
  try {
    const request = encodeMessage({ method: Method.Binding, cls: 'request', attributes: [] }, { fingerprint: true });
    const left = Math.max(1, timeoutMs - (o.clock.now() - start));
    const answer = await runTransaction(r.value, request, { timeoutMs: left, clock: o.clock, ...(o.signal ? { signal: o.signal } : {}) });
    return { speaks: answer.ok ? 'stun' : 'unknown', elapsedMs: o.clock.now() - start };
  } finally {
    r.value.close();
  }
}
