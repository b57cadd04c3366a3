/** TCP and TLS byte streams as StunChannels, with STUN framing (RFC 8489 §6.2.2) or RFC 4571. */
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { checkServerIdentity, connect as tlsConnect, rootCertificates, type DetailedPeerCertificate, type TLSSocket } from 'node:tls';
import { Rfc4571Deframer, StunStreamDeframer } from '../stun/framing.js';
import { frameRfc4571 } from '../stun/framing.js';
import { Listeners, netErrorCode, type StunChannel } from './channel.js';
import type { OpenResult } from './udp.js';

export type Framing = 'stun' | 'rfc4571';

function wrap(sock: Socket, transport: 'tcp' | 'tls', framing: Framing): StunChannel {
  const listeners = new Listeners();
  const deframer = framing === 'rfc4571' ? new Rfc4571Deframer() : new StunStreamDeframer();
  sock.on('data', (chunk: Buffer) => {
    for (const f of deframer.push(chunk)) listeners.emit(f.kind === 'garbage' ? f : { kind: 'frame', data: f.data });
  });
  sock.on('end', () => {
    for (const f of deframer.end()) if (f.kind === 'garbage') listeners.emit(f);
  });
  sock.on('close', () => listeners.emit({ kind: 'closed' }));
  sock.on('error', (err) => listeners.emit({ kind: 'error', code: netErrorCode(err), detail: (err as NodeJS.ErrnoException).code ?? err.message }));
  return {
    transport,
    reliable: true,
    send(data) {
      if (!sock.destroyed) sock.write(framing === 'rfc4571' ? frameRfc4571(data) : data);
    },
    subscribe: (l) => listeners.add(l),
    close() {
      sock.destroy();
    },
  };
}

interface ConnectOpts {
  timeoutMs: number;
  framing?: Framing;
  signal?: AbortSignal;
}

function connectBounded<S extends Socket>(make: () => S, readyEvent: 'connect' | 'secureConnect', opts: ConnectOpts): Promise<OpenResult<S>> {
  const started = performance.now();
  return new Promise((resolve) => {
    const sock = make();
    let settled = false;
    const done = (r: OpenResult<S>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (!r.ok) sock.destroy();
      resolve(r);
    };
    const onAbort = () => done({ ok: false, code: 'ABORTED', detail: 'aborted', elapsedMs: performance.now() - started });
    const timer = setTimeout(
      () => done({ ok: false, code: 'TIMEOUT', detail: `no ${readyEvent === 'connect' ? 'TCP connection' : 'TLS handshake'} within ${opts.timeoutMs} ms`, elapsedMs: performance.now() - started }),
      opts.timeoutMs,
    );
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    sock.once(readyEvent, () => done({ ok: true, value: sock, connectMs: performance.now() - started }));
    sock.once('error', (err: NodeJS.ErrnoException) => {
      const tlsish = readyEvent === 'secureConnect' && (sock as unknown as { connecting?: boolean }).connecting === false;
      done({ ok: false, code: tlsish ? 'TLS_HANDSHAKE_FAILED' : netErrorCode(err), detail: err.code ?? err.message, elapsedMs: performance.now() - started });
    });
    sock.once('close', () => done({ ok: false, code: readyEvent === 'connect' ? 'CONNECTION_CLOSED' : 'TLS_HANDSHAKE_FAILED', detail: 'closed before ready', elapsedMs: performance.now() - started }));
  });
}

export async function openTcp(address: string, port: number, opts: ConnectOpts): Promise<OpenResult<StunChannel>> {
  const r = await connectBounded(() => netConnect({ host: address, port, noDelay: true }), 'connect', opts);
  if (!r.ok) return r;
  r.value.removeAllListeners('close');
  return { ok: true, value: wrap(r.value, 'tcp', opts.framing ?? 'stun'), connectMs: r.connectMs };
}

export interface CertInfo {
  subject: string;
  subjectAltName: string[];
  issuer: string;
  validFrom: string;
  validTo: string;
  fingerprint256: string;
  selfSigned: boolean;
}

export interface TlsInfo {
  protocol: string | null;
  cipher: string | null;
  alpn: string | null;
  /** Peer chain as the server sent it (leaf first) as far as Node exposes it. */
  chain: CertInfo[];
  /** Whether OpenSSL verified the chain against the trust store (system + extraCa). */
  authorized: boolean;
  /** OpenSSL's verification error code, e.g. DEPTH_ZERO_SELF_SIGNED_CERT. */
  authorizationError: string | null;
  /** Hostname check (RFC 6125 via tls.checkServerIdentity); null when the host was not checked. */
  hostnameError: string | null;
  tcpConnectMs: number;
  handshakeMs: number;
}

export interface TlsOpts extends ConnectOpts {
  /** Name for SNI and the hostname check; defaults to the host when it is a name. */
  servername?: string;
  /** Host the certificate must match (name or IP). */
  host: string;
  rejectUnauthorized: boolean;
  /** Extra trust anchors (PEM), added to Node's bundled roots. */
  extraCa?: string[];
}

function dn(x: Record<string, string | string[]> | undefined): string {
  if (!x) return '';
  return Object.entries(x)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`)
    .join(', ');
}

export function certInfo(c: DetailedPeerCertificate): CertInfo {
  return {
    subject: dn(c.subject as unknown as Record<string, string>),
    subjectAltName: (c.subjectaltname ?? '').split(/,\s*/).filter((s) => s !== ''),
    issuer: dn(c.issuer as unknown as Record<string, string>),
    validFrom: new Date(c.valid_from).toISOString(),
    validTo: new Date(c.valid_to).toISOString(),
    fingerprint256: c.fingerprint256,
    selfSigned: c.issuerCertificate === c || (dn(c.subject as unknown as Record<string, string>) === dn(c.issuer as unknown as Record<string, string>) && !c.issuerCertificate),
  };
}

function chainOf(sock: TLSSocket): CertInfo[] {
  const out: CertInfo[] = [];
  let c: DetailedPeerCertificate | undefined = sock.getPeerCertificate(true);
  const seen = new Set<string>();
  while (c && c.raw && !seen.has(c.fingerprint256) && out.length < 10) {
    seen.add(c.fingerprint256);
    out.push(certInfo(c));
    c = c.issuerCertificate;
  }
  return out;
}

export async function openTls(address: string, port: number, opts: TlsOpts): Promise<OpenResult<{ channel: StunChannel; info: TlsInfo }>> {
  const started = performance.now();
  const tcp = await connectBounded(() => netConnect({ host: address, port, noDelay: true }), 'connect', opts);
  if (!tcp.ok) return tcp;
  tcp.value.removeAllListeners('close');
  const servername = opts.servername ?? (isIP(opts.host) ? undefined : opts.host);
  const remaining = Math.max(1, opts.timeoutMs - (performance.now() - started));
  const tls = await connectBounded(
    () =>
      tlsConnect({
        socket: tcp.value,
        ...(servername ? { servername } : {}),
        rejectUnauthorized: opts.rejectUnauthorized,
        ...(opts.extraCa && opts.extraCa.length > 0 ? { ca: [...rootCertificates, ...opts.extraCa] } : {}),
        checkServerIdentity: opts.rejectUnauthorized ? (h, c) => checkServerIdentity(opts.host || h, c) : () => undefined,
      }),
    'secureConnect',
    { ...opts, timeoutMs: remaining },
  );
  if (!tls.ok) {
    tcp.value.destroy();
    // TCP connected, TLS did not: a port that accepts TCP and never answers a ClientHello is
    // "TCP open, no TLS" (TLS_HANDSHAKE_FAILED), not a timeout of the server; the connect is evidence.
    if (tls.code === 'ABORTED') return tls;
    const detail = tls.code === 'TIMEOUT' ? `TCP connected in ${Math.round(tcp.connectMs)} ms, but ${tls.detail}` : tls.detail;
    return { ...tls, code: 'TLS_HANDSHAKE_FAILED', detail, elapsedMs: performance.now() - started, tcpConnectMs: tcp.connectMs };
  }
  const sock = tls.value as TLSSocket;
  sock.removeAllListeners('close');
  const peer = sock.getPeerCertificate(true);
  const hostErr = peer && peer.raw ? checkServerIdentity(opts.host, peer) : new Error('no peer certificate');
  const cipher = sock.getCipher();
  const info: TlsInfo = {
    protocol: sock.getProtocol() ?? null,
    cipher: cipher ? cipher.standardName ?? cipher.name : null,
    alpn: typeof sock.alpnProtocol === 'string' ? sock.alpnProtocol : null,
    chain: chainOf(sock),
    authorized: sock.authorized,
    authorizationError: sock.authorizationError ? String((sock.authorizationError as unknown as { code?: string }).code ?? sock.authorizationError) : null,
    hostnameError: hostErr ? ((hostErr as NodeJS.ErrnoException).code ?? hostErr.message) : null,
    tcpConnectMs: tcp.connectMs,
    handshakeMs: tls.connectMs,
  };
  return { ok: true, value: { channel: wrap(sock, 'tls', opts.framing ?? 'stun'), info }, connectMs: performance.now() - started };
}
