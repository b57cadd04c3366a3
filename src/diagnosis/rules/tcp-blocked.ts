/**
 * TCP_BLOCKED: TCP and TLS to the server get no answer while UDP to it works. Clients here are
 * fine over UDP, but the TCP/TLS fallback is not reachable from this network.
 */
import { FindingCode } from '../codes.js';
import { finding, list, type Rule } from '../evidence.js';
import { reachabilityOf } from '../reachability.js';

export const tcpBlocked: Rule = (input) => {
  const b = reachabilityOf(input).tcpBlocked;
  if (!b) return [];
  const ports = [...new Set(b.dead.map((e) => `${e.server.transport.toUpperCase()} ${e.server.port}`))];
  return [
    finding(
      FindingCode.TCP_BLOCKED,
      'warn',
      `TCP to ${list(b.hosts)} (${list(ports)}) gets no answer from this network while UDP works, so the TCP/TLS fallback of the TURN server is out of reach here.`,
      'Clients on this network can relay over UDP; check the firewall rules for outgoing TCP to the TURN ports, and that the server listens for TCP/TLS on the addresses in the URLs.',
      [...b.dead.flatMap((e) => e.checks.filter((c) => c.status !== 'pass')), ...b.proof.flatMap((e) => e.checks.filter((c) => c.status === 'pass'))].map((c) => c.id),
    ),
  ];
};
