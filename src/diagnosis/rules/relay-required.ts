/**
 * RELAY_REQUIRED: direct paths do not work from here, so calls depend on TURN. Evidence: a
 * symmetric NAT (see nat.ts), or the call with every server (policy all) selected a relay pair
 * (ICE prefers host and srflx pairs, so it only settles on a relay when every direct pair failed).
 * Not from the call on the embedded loopback server (no loopback host candidates in Chromium).
 * Severity follows whether the need is met: info when a relay works, error when none does.
 */
import type { Check } from '../../core/schema.js';
import { FindingCode } from '../codes.js';
import { evidenceOf, finding, ids, type Rule } from '../evidence.js';
import { symmetricNatEvidence } from './nat.js';
import { isRelayCallId, CALL_ALL_ID } from '../../core/ids.js';

interface Pair {
  local: { type: string | null } | null;
  remote: { type: string | null } | null;
}

function selectedRelay(pair: unknown): boolean {
  if (!pair || typeof pair !== 'object') return false;
  const p = pair as Pair;
  return p.local?.type === 'relay' || p.remote?.type === 'relay';
}

export const relayRequired: Rule = (input) => {
  const ev = evidenceOf(input);
  const nat = symmetricNatEvidence(input);
  const callAll = ev.check(CALL_ALL_ID);
  const call = ev.callFor(CALL_ALL_ID);
  // On the embedded loopback server Chromium offers no 127.0.0.1 host candidate, so a relay pair
  // there says nothing about the user's network.
  const viaRelay = !ev.embedded && callAll !== undefined && callAll.status !== 'fail' && callAll.status !== 'skip' && (selectedRelay(call?.selectedPair) || selectedRelay(callAll.details.selectedPair));
  if (nat.checks.length === 0 && !viaRelay) return [];

  const relayWorks =
    ev.turnServers.some((s) => ev.gather(s)?.status === 'pass' || ev.node(s)?.status === 'pass') ||
    ev.ofKind('call').some((c) => isRelayCallId(c.id) && (c.status === 'pass' || c.status === 'warn')) ||
    viaRelay;
  const cited: Check[] = [...nat.checks, ...(viaRelay && callAll ? [callAll] : [])];
  const why = viaRelay ? 'the call with every server connected only through a relay pair' : 'the NAT here maps per destination (symmetric NAT)';
  if (relayWorks) {
    return [
      finding(
        FindingCode.RELAY_REQUIRED,
        'info',
        `Calls from this network need the TURN relay: ${why}; the relay works here.`,
        'Keep TURN in every client\'s ICE configuration and size the server for the calls from networks like this one (relayed media costs server bandwidth).',
        ids(...cited),
      ),
    ];
  }
  return [
    finding(
      FindingCode.RELAY_REQUIRED,
      'error',
      `Calls from this network need a TURN relay (${why}), but no working relay was found, so calls to peers behind other NATs will fail.`,
      ev.turnServers.length === 0 ? 'Add a TURN server (turn: over UDP and TCP, turns: on 443) to the ICE configuration.' : 'Fix the TURN server problems named in the other findings, so clients here get a relay candidate.',
      ids(...cited, ...ev.turnServers.map((s) => ev.gather(s))),
    ),
  ];
};
