/**
 * SLOW_SETUP: a call connected, but took longer than the threshold from createOffer to an open
 * data channel. One finding for all slow calls, naming the slowest.
 */
import { CheckCode } from '../../core/codes.js';
import type { Check } from '../../core/schema.js';
import { FindingCode } from '../codes.js';
import { evidenceOf, finding, type Rule } from '../evidence.js';
import { CALL_ALL_ID } from '../../core/ids.js';

function setupMs(ev: ReturnType<typeof evidenceOf>, c: Check): number | null {
  const fromCall = ev.callFor(c.id)?.setup.totalMs;
  if (typeof fromCall === 'number') return fromCall;
  return typeof c.details.setupMs === 'number' ? c.details.setupMs : null;
}

export const slowSetup: Rule = (input, o) => {
  const ev = evidenceOf(input);
  const slow = ev
    .ofKind('call')
    .filter((c) => c.status === 'pass' || c.status === 'warn')
    .map((c) => ({ c, ms: setupMs(ev, c) }))
        // The measured time decides (the threshold is an option); the check's own code only when no time was kept.
    .filter((x) => (x.ms !== null ? x.ms > o.slowSetupMs : x.c.code === CheckCode.SLOW_SETUP))
    .sort((a, b) => (b.ms ?? 0) - (a.ms ?? 0));
  const worst = slow[0];
  if (!worst) return [];
  const label = (c: Check) => (c.id === CALL_ALL_ID ? 'the call with every server' : `the relay call over TURN/${c.transport ?? '?'}`);
  return [
    finding(
      FindingCode.SLOW_SETUP,
      'warn',
      `Calls are slow to connect: ${label(worst.c)} took ${worst.ms === null ? 'longer than usual' : `${Math.round(worst.ms)} ms`} to connect (threshold ${o.slowSetupMs} ms)${slow.length > 1 ? `, and ${slow.length - 1} more call(s) too` : ''}.`,
      'Look at the call timeline for the slow phase: slow relay candidates point at the TURN server (compare the turn-allocate round-trip times) or its distance from users; put a TURN server closer to them, and list the fastest transport first.',
      slow.map((x) => x.c.id),
    ),
  ];
};
