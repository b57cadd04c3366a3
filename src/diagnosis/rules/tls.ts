/**
 * Certificate problems of turns: servers, one finding per reason (TLS_CERT_SELF_SIGNED, _EXPIRED,
 * _NOT_YET_VALID, _HOSTNAME_MISMATCH, _INCOMPLETE_CHAIN, _UNTRUSTED), from the tls-handshake
 * probe, which records every problem and never enforces them. Chromium verifies TURNS
 * certificates, so each of these fails in users' browsers even when this run passed the browser
 * check by ignoring certificate errors (--insecure-tls). For the embedded loopback server (our
 * own self-signed certificate) they are only informational.
 * TLS_HANDSHAKE_FAILED: TCP connects but no TLS session ("TCP open, no TLS"), with what the port
 * speaks instead when the probe could tell (plain STUN/TURN over TCP). PORT_SPEAKS_TLS: the
 * mirror image, a turn:?transport=tcp URL at a port that only speaks TLS. TLS_CERT_REJECTED: the
 * browser failed TURNS (701) and no TLS probe explains why — or the TLS probe trusts the
 * certificate (--ca-file) and the browser still refused it, which says whether the browser could
 * be given the CA (environment.browser.caTrust).
 */
import { CheckCode, ProtocolCode } from '../../core/codes.js';
import type { Check, Finding, ServerEcho } from '../../core/schema.js';
import { FindingCode } from '../codes.js';
import { evidenceOf, finding, ids, list, type Rule } from '../evidence.js';

const REASONS: Record<string, { code: FindingCode; what: string; fix: string }> = {
  [ProtocolCode.TLS_CERT_SELF_SIGNED]: {
    code: FindingCode.TLS_CERT_SELF_SIGNED,
    what: 'is self-signed',
    fix: 'Install a certificate from a public CA (e.g. Let\'s Encrypt) for this host name (coturn: --cert/--pkey).',
  },
  [ProtocolCode.TLS_CERT_EXPIRED]: {
    code: FindingCode.TLS_CERT_EXPIRED,
    what: 'has expired',
    fix: 'Renew the certificate, point coturn\'s --cert at the new file and restart or reload the server; automate renewal.',
  },
  [ProtocolCode.TLS_CERT_NOT_YET_VALID]: {
    code: FindingCode.TLS_CERT_NOT_YET_VALID,
    what: 'is not valid yet',
    fix: 'Check the clock of the server and of the machine that issued the certificate, or wait until its notBefore date.',
  },
  [ProtocolCode.TLS_CERT_HOSTNAME_MISMATCH]: {
    code: FindingCode.TLS_CERT_HOSTNAME_MISMATCH,
    what: 'does not name the host in the URL',
    fix: 'Use the host name the certificate was issued for in the turns: URL, or issue a certificate whose subjectAltName lists this host.',
  },
  [ProtocolCode.TLS_CERT_INCOMPLETE_CHAIN]: {
    code: FindingCode.TLS_CERT_INCOMPLETE_CHAIN,
    what: 'comes without its intermediate certificate',
    fix: 'Give the server the full chain (coturn: --cert=fullchain.pem), not only the leaf certificate.',
  },
  [ProtocolCode.TLS_CERT_UNTRUSTED]: {
    code: FindingCode.TLS_CERT_UNTRUSTED,
    what: 'chains to a CA that browsers do not trust',
    fix: 'Use a certificate from a public CA that browsers trust, not a private or corporate CA.',
  },
};

function problemsOf(tls: Check): string[] {
  const listed = Array.isArray(tls.details.problems) ? tls.details.problems.filter((p): p is string => typeof p === 'string') : [];
  return [...new Set([tls.code, ...listed])].filter((p) => p in REASONS);
}

export const tlsProblems: Rule = (input) => {
  const ev = evidenceOf(input);
  const out: Finding[] = [];
  const tlsServers = ev.servers.filter((s) => s.transport === 'tls');
  const byEndpoint = new Map<string, ServerEcho[]>();
  for (const s of tlsServers) {
    const key = `${s.host}|${s.port}`;
    byEndpoint.set(key, [...(byEndpoint.get(key) ?? []), s]);
  }
  for (const servers of byEndpoint.values()) {
    const first = servers[0];
    if (!first) continue;
    const tls = ev.tls(first);
    // The browser's view of these URLs, and Node probes only where TLS itself stopped them.
    const related = servers
      .flatMap((s) => [ev.gather(s), ev.node(s)])
      .filter((c): c is Check => c !== undefined && (c.kind === 'gather' || c.code.startsWith('TLS_')));
    const where = tls?.target ?? `${first.host}:${first.port}`;
    if (tls) {
      const browserPassed = servers.some((s) => ev.gather(s)?.status === 'pass');
      const note = browserPassed
        ? ' This run\'s browser check passed only because it ignored certificate errors; users\' browsers reject it.'
        : ' Browsers reject it, so TURN over TLS fails for every user, even where this run was told to ignore certificate errors (--insecure-tls).';
      for (const p of problemsOf(tls)) {
        const r = REASONS[p];
        if (!r) continue;
        out.push(
          finding(
            r.code,
            ev.embedded ? 'info' : 'error',
            ev.embedded
              ? `The embedded loopback server's certificate at ${where} ${r.what}; expected for a test server, which this run told the browser to accept.`
              : `The TLS certificate of ${where} ${r.what}.${note}`,
            r.fix,
            [tls.id, ...related.map((c) => c.id)],
          ),
        );
      }
      if (tls.code === ProtocolCode.TLS_HANDSHAKE_FAILED) {
        const plainStun = tls.details.portSpeaks === 'stun';
        const ms = typeof tls.details.tcpConnectMs === 'number' ? ` (in ${Math.round(tls.details.tcpConnectMs)} ms)` : '';
        out.push(
          finding(
            FindingCode.TLS_HANDSHAKE_FAILED,
            'error',
            plainStun
              ? `TCP to ${where} connects${ms}, but no TLS session: the port is open for TCP and speaks plain STUN/TURN, not TLS, so turns: on this port fails.`
              : `TCP to ${where} connects${ms}, but no TLS session can be set up (TCP open, no TLS), so turns: on this port fails.`,
            plainStun
              ? `This is the server's plain TCP listener: use it as turn:${where}?transport=tcp, and point turns: at the TLS listener (coturn: --tls-listening-port) instead.`
              : 'Make this port the TURN server\'s TLS listener (coturn: --tls-listening-port) with a certificate and TLS 1.2 or 1.3, and not another service.',
            [tls.id, ...related.filter((c) => c.status === 'fail').map((c) => c.id)],
          ),
        );
      }
      const browserRefused = servers.map((s) => ev.gather(s)).filter((c): c is Check => c?.code === CheckCode.TLS_CERT_REJECTED);
      if (tls.code === ProtocolCode.OK && browserRefused.length > 0) {
        const trust = input.environment?.browser?.caTrust;
        out.push(
          finding(
            FindingCode.TLS_CERT_REJECTED,
            'error',
            trust?.status === 'unavailable'
              ? `The TLS probe trusts the certificate of ${where} (with --ca-file), but the browser rejected it (701): the browser could not be given the CA (${trust.reason}).`
              : `The TLS probe trusts the certificate of ${where}, but the browser rejected it (701)${trust?.status === 'trusted' ? ' although it was given the --ca-file CA' : ''}: Chromium's verifier is stricter than OpenSSL's for this certificate.`,
            trust?.status === 'unavailable'
              ? 'Install libnss3-tools (certutil) so iceprobe can give Chromium the CA, or check from a machine that has the CA installed; users\' browsers need the CA installed too.'
              : 'Check what Chromium requires beyond a valid chain: a subjectAltName (not only CN) naming the host, a validity under 398 days, and an RSA key ≥ 2048 bits or an EC P-256/P-384 key.',
            [tls.id, ...browserRefused.map((c) => c.id)],
          ),
        );
      }
      continue;
    }
    // No TLS probe: the browser's 701 on turns: is all there is.
    const rejected = servers.map((s) => ev.gather(s)).filter((c): c is Check => c?.code === CheckCode.TLS_CERT_REJECTED);
    if (rejected.length > 0) {
      out.push(
        finding(
          FindingCode.TLS_CERT_REJECTED,
          'error',
          `The browser could not set up TURN over TLS to ${list(rejected.map((c) => c.target))} (701): it rejected the certificate or could not connect.`,
          'Check that the certificate is valid for this host name, chains to a public CA and is served with its intermediates; run again with the protocol probes for the exact reason.',
          ids(...rejected, ...servers.map((s) => ev.node(s))),
        ),
      );
    }
  }
  out.push(...portSpeaksTls(ev));
  return out;
};

/** PORT_SPEAKS_TLS: turn:?transport=tcp at a TLS-only port (the Node probe's sniff saw a TLS handshake). */
function portSpeaksTls(ev: ReturnType<typeof evidenceOf>): Finding[] {
  const hits = ev.servers.map((s) => ev.node(s)).filter((c): c is Check => c?.code === ProtocolCode.PORT_SPEAKS_TLS);
  if (hits.length === 0) return [];
  const gathers = ev.servers.filter((s) => ev.node(s)?.code === ProtocolCode.PORT_SPEAKS_TLS).map((s) => ev.gather(s)).filter((c): c is Check => c !== undefined && c.status === 'fail');
  const ports = hits.map((c) => `${String(c.details.address ?? '')}:${String(c.details.port ?? '')}`);
  return [
    finding(
      FindingCode.PORT_SPEAKS_TLS,
      'error',
      `${list(hits.map((c) => c.target))} ${hits.length === 1 ? 'points' : 'point'} at ${list(ports)}, which accepts TCP and speaks TLS, not plain STUN/TURN, so TURN over TCP there fails.`,
      'Write these URLs as turns:host:port?transport=tcp (TURN over TLS), or use the server\'s plain TCP listening port for turn:?transport=tcp.',
      [...hits.map((c) => c.id), ...gathers.map((c) => c.id)],
    ),
  ];
}
