/**
 * ALL_GOOD: an info finding when everything works: checks ran, none failed, and no other rule
 * found anything worth a warning. Runs after the other rules (it reads their findings).
 */
import type { Finding } from '../../core/schema.js';
import { FindingCode } from '../codes.js';
import { evidenceOf, finding, plural, type DiagnosisInput } from '../evidence.js';
import { isRelayCallId, parseEngineId } from '../../core/ids.js';

export function allGood(input: DiagnosisInput, others: readonly Finding[]): Finding[] {
  const ev = evidenceOf(input);
  const passed = ev.checks.filter((c) => c.status === 'pass');
  if (passed.length === 0 || ev.checks.some((c) => c.status === 'fail')) return [];
  if (input.partial === true || others.some((f) => f.severity !== 'info')) return [];
  const relayCalls = passed.filter((c) => c.kind === 'call' && isRelayCallId(c.id));
  // Once per transport, however many engines made the call (--browser all).
  const relays = [...new Set(relayCalls.map((c) => c.transport))];
  const engines = [...new Set(relayCalls.map((c) => (parseEngineId(c.id).engine === 'firefox' ? 'Firefox' : 'Chromium')))];
  const cited = passed.filter((c) => c.kind === 'gather' || c.kind === 'call');
  return [
    finding(
      FindingCode.ALL_GOOD,
      'info',
      `Everything works: ${plural(passed.length, 'check')} passed${relays.length > 0 ? `, and calls through the relay connected over ${relays.join(', ')}${engines.length > 1 ? ` in ${engines.join(' and ')}` : ''}` : ''}.`,
      'Nothing to fix; keep this run as a baseline and repeat it from the networks your users are on.',
      (cited.length > 0 ? cited : passed).map((c) => c.id),
    ),
  ];
}
