/**
 * UDP_BLOCKED: UDP to the server gets no answer (browser: no candidate; Node: Binding/Allocate
 * timed out) while TCP or TLS to the same server works. One finding for the whole network; it
 * stands for every UDP timeout it explains (no per-URL finding repeats it).
 */
import { FindingCode } from '../codes.js';
import { finding, list, type Rule } from '../evidence.js';
import { reachabilityOf } from '../reachability.js';

export const udpBlocked: Rule = (input) => {
  const b = reachabilityOf(input).udpBlocked;
  if (!b) return [];
  const via = [...new Set(b.proof.map((e) => (e.server.transport === 'tls' ? `TLS on ${e.server.port}` : `TCP on ${e.server.port}`)))];
  return [
    finding(
      FindingCode.UDP_BLOCKED,
      'warn',
      `UDP to ${list(b.hosts)} is blocked from this network (no answer over UDP while ${list(via)} works); clients here need TURN over TCP/TLS.`,
      'Keep turn:?transport=tcp and turns: (on 443) URLs in the configuration for clients on networks like this one, or ask the network\'s administrator to allow outgoing UDP to the TURN server\'s port and relay range.',
      [...b.dead.flatMap((e) => e.checks.filter((c) => c.status !== 'pass')), ...b.proof.flatMap((e) => e.checks.filter((c) => c.status === 'pass'))].map((c) => c.id),
    ),
  ];
};
