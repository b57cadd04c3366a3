/** NO_TURN_CONFIGURED: only STUN, so nobody behind a symmetric NAT or a UDP-blocking firewall can connect. */
import { checkId } from '../../core/ids.js';
import { FindingCode } from '../codes.js';
import { evidenceOf, finding, ids, type Rule } from '../evidence.js';

export const noTurnConfigured: Rule = (input) => {
  const ev = evidenceOf(input);
  if (ev.turnServers.length > 0) return [];
  const config = ev.check(checkId.turnConfigured());
  const cited = [...ids(config), ...ev.servers.flatMap((s) => ids(ev.gather(s)))];
  return [
    finding(
      FindingCode.NO_TURN_CONFIGURED,
      'warn',
      `No TURN server is configured (${ev.servers.length === 0 ? 'no servers at all' : 'STUN only'}), so calls have no relay to fall back on.`,
      'Add turn: URLs (UDP and ?transport=tcp) and a turns: URL on port 443 with credentials; without a relay, users behind symmetric NATs or UDP-blocking firewalls cannot connect.',
      cited,
    ),
  ];
};
