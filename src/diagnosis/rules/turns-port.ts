/**
 * TURNS_NOT_ON_443: turns: is offered, but never on 443, the one port nearly every firewall opens.
 * Silent when any turns: URL is on 443, and for the embedded loopback server (its ports are ours).
 */
import { FindingCode } from '../codes.js';
import { evidenceOf, finding, ids, list, type Rule } from '../evidence.js';
import { checkId } from '../../core/ids.js';

export const turnsNotOn443: Rule = (input) => {
  const ev = evidenceOf(input);
  if (ev.embedded) return [];
  const turns = ev.servers.filter((s) => s.scheme === 'turns');
  if (turns.length === 0 || turns.some((s) => s.port === 443)) return [];
  return [
    finding(
      FindingCode.TURNS_NOT_ON_443,
      'warn',
      `TURN over TLS is offered only on port ${list(turns.map((s) => String(s.port)))}, not 443, so users behind firewalls that open only 443 cannot reach it.`,
      `Also listen for TURN over TLS on port 443 (coturn: --tls-listening-port=443) and add turns:${turns[0]?.host ?? 'host'}:443?transport=tcp to the configuration.`,
      turns.flatMap((s) => ids(ev.check(checkId.turnsPort(s.url)), ev.gather(s))),
    ),
  ];
};
