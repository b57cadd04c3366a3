/**
 * SERVER_UNREACHABLE: nothing answers at the server on any transport that was tried, and no
 * blocked transport explains it: the server is down, listens elsewhere, or all traffic to it
 * is blocked. Refusals (TCP RST, ICMP port unreachable) say the host is up with nothing listening.
 */
import { FindingCode } from '../codes.js';
import { finding, list, type Rule } from '../evidence.js';
import { reachabilityOf } from '../reachability.js';

export const serverUnreachable: Rule = (input) => {
  const u = reachabilityOf(input).unreachable;
  if (u.length === 0) return [];
  const refused = u.every((h) => h.allRefused);
  const hosts = u.map((h) => h.host);
  const tried = [...new Set(u.flatMap((h) => h.dead.map((e) => `${e.server.transport.toUpperCase()} ${e.server.port}`)))];
  return [
    finding(
      FindingCode.SERVER_UNREACHABLE,
      'error',
      refused
        ? `Nothing listens at ${list(hosts)} on ${list(tried)}: every connection was refused, so the STUN/TURN server is down or on other ports.`
        : `Nothing answers at ${list(hosts)} on any transport tried (${list(tried)}), so no client here can use ${hosts.length === 1 ? 'this server' : 'these servers'}.`,
      refused
        ? 'Start the TURN server (and check it stays up: systemctl status coturn, its log), or fix the ports in the URLs to the ones it listens on.'
        : 'Check that the server runs and listens on these addresses and ports, that its host firewall and cloud security group allow them, and whether this network blocks outgoing traffic to it.',
      u.flatMap((h) => h.dead.flatMap((e) => e.checks.filter((c) => c.status !== 'pass'))).map((c) => c.id),
    ),
  ];
};
