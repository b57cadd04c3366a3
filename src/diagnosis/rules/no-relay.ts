/**
 * NO_RELAY_CANDIDATE: TURN is configured, the browser tried it, and not one TURN URL gave a relay
 * candidate: calls that need a relay fail from here. This is the consequence users feel; the
 * cause is the finding(s) beside it (credentials, an unreachable server, certificates …).
 */
import { FindingCode } from '../codes.js';
import { evidenceOf, finding, list, plural, type Rule } from '../evidence.js';

export const noRelayCandidate: Rule = (input) => {
  const ev = evidenceOf(input);
  const gathers = ev.turnServers.map((s) => ev.gather(s)).filter((c) => c !== undefined);
  if (gathers.length === 0) return [];
  if (gathers.some((c) => c.status === 'pass' || c.status === 'warn')) return [];
  if (input.candidates.some((c) => c.type === 'relay')) return [];
  const codes = [...new Set(gathers.map((c) => c.code))];
  return [
    finding(
      FindingCode.NO_RELAY_CANDIDATE,
      'error',
      `The browser got no relay candidate from any of the ${plural(gathers.length, 'TURN URL')}, so calls that need a relay (symmetric NATs, UDP-blocking firewalls) fail from here.`,
      `Fix the cause the other findings name (the browser reported ${list(codes)}); until a TURN URL yields a relay candidate, only direct connections work.`,
      gathers.map((c) => c.id),
    ),
  ];
};
