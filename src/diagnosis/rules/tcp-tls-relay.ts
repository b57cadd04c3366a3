/** NO_TCP_TLS_RELAY: TURN is configured, but only over UDP. */
import { checkId } from '../../core/ids.js';
import { FindingCode } from '../codes.js';
import { evidenceOf, finding, ids, list, type Rule } from '../evidence.js';

export const tcpTlsRelayMissing: Rule = (input) => {
  const ev = evidenceOf(input);
  const turn = ev.turnServers;
  if (turn.length === 0 || turn.some((s) => s.transport !== 'udp')) return [];
  return [
    finding(
      FindingCode.NO_TCP_TLS_RELAY,
      'warn',
      `Every TURN URL (${list(turn.map((s) => s.url))}) is UDP-only, so clients on networks that block UDP get no relay at all.`,
      'Add a turn: URL with ?transport=tcp and a turns: URL on port 443 (coturn: --tls-listening-port=443 with a CA-signed certificate).',
      [...ids(ev.check(checkId.tcpTlsRelay())), ...turn.flatMap((s) => ids(ev.gather(s), ev.node(s)))],
    ),
  ];
};
