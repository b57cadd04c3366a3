/** Static checks on the configured URLs (kind: config): what Chromium will refuse or miss. */
import type { ServerSpec } from '../config/config.js';
import type { Check } from '../core/schema.js';
import { makeCheck } from './check.js';
import { ProtocolCode } from '../core/codes.js';
import { checkId } from '../core/ids.js';

/** Chromium allows TURN only on these ports and on ports >= 1024. */
export const BROWSER_ALLOWED_LOW_PORTS: readonly number[] = [53, 80, 443];

export function browserAllowsTurnPort(port: number): boolean {
  return port >= 1024 || BROWSER_ALLOWED_LOW_PORTS.includes(port);
}

export function configChecks(servers: readonly ServerSpec[]): Check[] {
  const out: Check[] = [];
  const turn = servers.filter((s) => s.uri.isTurn);
  const mk = (id: string, target: string, code: ProtocolCode, message: string, details: Record<string, unknown>) =>
    out.push(makeCheck({ id, kind: 'config', target, transport: null, code, message, durationMs: 0, details }));

  for (const s of turn) {
    const u = s.uri;
    const ok = browserAllowsTurnPort(u.port);
    mk(checkId.portPolicy(u.canonical), u.canonical, ok ? ProtocolCode.OK : ProtocolCode.PORT_BLOCKED_BY_BROWSER, ok ? `port ${u.port} is allowed for TURN in Chromium` : `Chromium refuses TURN on port ${u.port}`, { port: u.port, allowed: ok });
    if (u.scheme === 'turns') {
      const on443 = u.port === 443;
      mk(checkId.turnsPort(u.canonical), u.canonical, on443 ? ProtocolCode.OK : ProtocolCode.TURNS_NOT_ON_443, on443 ? 'turns: on 443' : `turns: on port ${u.port}, not 443`, { port: u.port });
    }
  }
  if (turn.length === 0) {
    mk(checkId.turnConfigured(), 'config', ProtocolCode.NO_TURN_CONFIGURED, 'no turn: or turns: URL is configured', { servers: servers.length });
  } else {
    mk(checkId.turnConfigured(), 'config', ProtocolCode.OK, `${turn.length} TURN URL(s) configured`, { turnUrls: turn.length });
    const streamy = turn.filter((s) => s.uri.transport !== 'udp');
    mk(
      checkId.tcpTlsRelay(),
      'config',
      streamy.length > 0 ? ProtocolCode.OK : ProtocolCode.NO_TCP_TLS_RELAY,
      streamy.length > 0 ? `${streamy.length} TURN URL(s) over TCP/TLS` : 'every TURN URL is UDP-only',
      { tcpOrTls: streamy.map((s) => s.uri.canonical) },
    );
  }
  return out;
}
