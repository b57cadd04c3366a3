/**
 * ONLY_443_OPEN: the only URLs that work are on port 443; the server's other ports get no answer
 * (a firewall that lets out only HTTPS-like traffic). The TCP timeouts on the other ports are
 * this finding; UDP_BLOCKED, when UDP fails too, is reported beside it.
 */
import { FindingCode } from '../codes.js';
import { finding, list, type Rule } from '../evidence.js';
import { reachabilityOf } from '../reachability.js';

export const only443Open: Rule = (input) => {
  const o = reachabilityOf(input).only443;
  if (!o) return [];
  return [
    finding(
      FindingCode.ONLY_443_OPEN,
      'warn',
      `Only port 443 gets through from this network: ${list(o.working.map((e) => e.server.url))} ${o.working.length === 1 ? 'works' : 'work'}, while ${list(o.dead.map((e) => e.server.url))} get${o.dead.length === 1 ? 's' : ''} no answer.`,
      'Keep a turns: URL on port 443 (TURN over TLS) for clients on networks like this one; it is the only relay they can use.',
      [...o.dead.flatMap((e) => e.checks.filter((c) => c.status !== 'pass')), ...o.working.flatMap((e) => e.checks.filter((c) => c.status === 'pass'))].map((c) => c.id),
    ),
  ];
};
