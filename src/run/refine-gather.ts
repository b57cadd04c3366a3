/**
 * Chromium reports one thing, icecandidateerror 701 "Failed to establish connection", both for
 * a turns: certificate it rejects and for a port it cannot connect to at all; gather.ts can only
 * call every TLS 701 TLS_CERT_REJECTED. Once the Node probes are in, the tls-handshake check of
 * the same host:port tells the two apart, so a refused or dead port never carries a certificate
 * code:
 *   refused / silent / unroutable → SERVER_UNREACHABLE (the browser could not connect)
 *   TCP connected, no TLS session → TLS_HANDSHAKE_FAILED (the port is open, it does not speak TLS)
 * A certificate problem (TLS_CERT_*) or a clean handshake leaves TLS_CERT_REJECTED as it is:
 * the browser did reach a TLS server and refused it. Pure; returns new checks.
 */
import { CheckCode } from '../core/codes.js';
import { ProtocolCode } from '../core/codes.js';
import type { Check } from '../core/schema.js';
import type { ServerSpec } from '../config/config.js';
import { checkId, engineId, type EngineName } from '../core/ids.js';

const ENGINES: readonly EngineName[] = ['chromium', 'firefox'];

const UNREACHED = new Set<string>([ProtocolCode.CONNECTION_REFUSED, ProtocolCode.TIMEOUT, ProtocolCode.NETWORK_UNREACHABLE, ProtocolCode.CONNECTION_RESET]);

export function refineTlsGathers(checks: readonly Check[], servers: readonly ServerSpec[]): Check[] {
  const byId = new Map(checks.map((c) => [c.id, c]));
  const refined = new Map<string, Check>();
  for (const s of servers) {
    if (s.uri.transport !== 'tls') continue;
    const tls = byId.get(checkId.tls(s.uri.host, s.uri.port));
    if (!tls) continue;
    // Firefox's 701 is as ambiguous as Chromium's (measured): its gather check is refined alike.
    for (const gather of ENGINES.map((e) => byId.get(engineId(checkId.gather(s.uri.canonical), e)))) {
      if (gather?.code !== CheckCode.TLS_CERT_REJECTED) continue;
      const code = UNREACHED.has(tls.code) ? CheckCode.SERVER_UNREACHABLE : tls.code === ProtocolCode.TLS_HANDSHAKE_FAILED ? CheckCode.TLS_HANDSHAKE_FAILED : null;
      if (code === null) continue;
      refined.set(gather.id, {
        ...gather,
        code,
        message: `${gather.message} — the TLS probe of ${tls.target} says ${tls.code}, so the browser's 701 is not about a certificate`,
        details: { ...gather.details, browserCode: CheckCode.TLS_CERT_REJECTED, refinedBy: tls.id },
      });
    }
  }
  return checks.map((c) => refined.get(c.id) ?? c);
}
